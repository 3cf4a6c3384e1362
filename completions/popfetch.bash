# bash completion for popfetch(1)

# The accounts of the rc file the command line names (-f), else the default.
_popfetch_accounts() {
	local rc="" i
	for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
		case ${COMP_WORDS[i]} in
		-f | --rcfile) rc=${COMP_WORDS[i + 1]} ;;
		--rcfile=*) rc=${COMP_WORDS[i]#--rcfile=} ;;
		esac
	done
	rc=${rc/#\~/$HOME}
	if [[ -z $rc ]]; then
		rc=${XDG_CONFIG_HOME:-$HOME/.config}/popfetch/fetchrc
		[[ -r $rc ]] || rc=$HOME/.fetchrc
	fi
	[[ -r $rc ]] || return
	awk '$1 == "account" { print $2 }' "$rc" 2>/dev/null
}

_popfetch() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=""
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	local opts="-A --fetch-all -f --rcfile -h --help -j --jobs -k --keep
	    --delete -n --dry-run -q --quiet -S --serverinfo -s --status -V
	    --version -v --verbose --json --progress --check --syslog
	    --authorize --import --deliver --passwordeval"
	COMPREPLY=()
	case $prev in
	-f | --rcfile)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	--progress)
		COMPREPLY=($(compgen -W "auto always never" -- "$cur"))
		return
		;;
	--import)
		COMPREPLY=($(compgen -W "fetchmail mpop getmail" -- "$cur"))
		return
		;;
	--deliver)
		COMPREPLY=($(compgen -W "maildir mbox" -- "$cur"))
		return
		;;
	-j | --jobs | --passwordeval)
		return
		;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
	fi
	COMPREPLY=($(compgen -W "$(_popfetch_accounts)" -- "$cur"))
}

complete -F _popfetch popfetch
