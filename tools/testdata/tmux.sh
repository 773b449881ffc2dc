# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Drive a terminal program for real: a private tmux server, keys sent with
# send-keys, the screen read with capture-pane.  Sourced by
# tools/testdata/screen.sh (fake trees) and selftests/kvmtrace/kvmtop.sh
# (the real module).
#
#   tmux_start DIR COLS ROWS CMD...  run CMD in a COLS x ROWS window; its
#                                    exit status goes to DIR/rc
#   tmux_screen [-J]                 the screen now (-J: wrapped lines
#                                    joined, so a line that wrapped is one)
#   tmux_wait SECS ERE               until the screen matches ERE (else the
#                                    screen is printed and it fails)
#   tmux_wait_fit SECS COLS          until no line is wider than COLS, even
#                                    joined (else the same); prints the
#                                    widest
#   tmux_keys KEY...                 send keys (tmux key names: Enter,
#                                    Escape, BSpace, C-c, or plain text)
#   tmux_resize COLS ROWS            resize the window (the program gets
#                                    SIGWINCH)
#   tmux_done SECS                   until CMD has exited; prints its status
#   tmux_stop                        kill the server

tmux_dir=
tmux_sock=
tmux_n=0

tmux_start() {
	local cols=$2 rows=$3 cmd q
	tmux_dir=$1
	shift 3
	# a new socket each time: a server being killed may still hold the
	# last one
	tmux_n=$((tmux_n + 1))
	tmux_sock=$tmux_dir/tmux.$tmux_n.sock
	printf -v q '%q ' "$@"
	cmd="$q; echo \$? >$(printf %q "$tmux_dir/rc"); sleep 600"
	rm -f "$tmux_dir/rc"
	# -f /dev/null: no user configuration; a fixed TERM for the program
	tmux -S "$tmux_sock" -f /dev/null new-session -d -x "$cols" -y "$rows" \
		-e TERM=xterm-256color "bash -c $(printf %q "$cmd")"
}

# shellcheck disable=SC2120 # -J, by the tests
tmux_screen() {
	tmux -S "$tmux_sock" capture-pane -p "$@"
}

tmux_wait() {
	local secs=$1 re=$2 end screen
	end=$((SECONDS + secs))
	while :; do
		screen=$(tmux_screen) || { echo "the tmux server is gone"; return 1; }
		grep -Eq -- "$re" <<<"$screen" && return 0
		if [ $SECONDS -ge "$end" ]; then
			echo "screen never matched '$re':"
			printf '  | %s\n' "${screen//$'\n'/$'\n'  | }"
			return 1
		fi
		sleep 0.1
	done
}

# the widest line of the screen, wrapped lines joined
tmux_widest() {
	local screen
	screen=$(tmux_screen -J) || return 1
	awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }' <<<"$screen"
}

tmux_wait_fit() {
	local secs=$1 cols=$2 end w
	end=$((SECONDS + secs))
	while :; do
		w=$(tmux_widest) || { echo "the tmux server is gone"; return 1; }
		[ "$w" -le "$cols" ] && break
		if [ $SECONDS -ge "$end" ]; then
			echo "a line of $w columns, wider than $cols:"
			tmux_screen -J | sed 's/^/  | /'
			return 1
		fi
		sleep 0.1
	done
	echo "$w"
}

tmux_keys() {
	tmux -S "$tmux_sock" send-keys "$@"
}

tmux_resize() {
	tmux -S "$tmux_sock" resize-window -x "$1" -y "$2"
}

tmux_done() {
	local end=$((SECONDS + $1))
	until [ -s "$tmux_dir/rc" ]; do
		if [ $SECONDS -ge "$end" ]; then
			echo "still running after $1 s"
			return 1
		fi
		sleep 0.1
	done
	cat "$tmux_dir/rc"
}

tmux_stop() {
	[ -n "$tmux_sock" ] && tmux -S "$tmux_sock" kill-server 2>/dev/null
	tmux_sock=
}
