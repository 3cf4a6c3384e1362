# fish completion for popfetch(1)

# The account names of the rc file -f names, else of the default one.
function __popfetch_accounts
	set -l rc
	set -l words (commandline -opc)
	for i in (seq (count $words))
		switch $words[$i]
			case -f --rcfile
				set rc $words[(math $i + 1)]
			case '--rcfile=*'
				set rc (string replace -- --rcfile= '' $words[$i])
		end
	end
	if test -z "$rc"
		set -l xdg $XDG_CONFIG_HOME
		string match -q '/*' -- "$xdg"; or set xdg $HOME/.config
		set rc $xdg/popfetch/fetchrc
		test -e $rc; or set rc $HOME/.fetchrc
	end
	test -r $rc; or return
	awk '$1 == "account" && NF >= 2 { sub(/:.*/, "", $2); print $2 }' $rc 2>/dev/null
end

complete -c popfetch -f -a '(__popfetch_accounts)'
complete -c popfetch -s f -l rcfile -r -F -d 'rc file'
complete -c popfetch -s k -l keep -d 'keep every message on the server this run'
complete -c popfetch -l delete -d 'delete what was delivered'
complete -c popfetch -s A -l fetch-all -d 'fetch messages fetched before too'
complete -c popfetch -s q -l quiet -d 'print only errors'
complete -c popfetch -s v -l verbose -d 'say more'
complete -c popfetch -s n -l dry-run -d 'connect, log in and plan only'
complete -c popfetch -s s -l status -d 'count messages and new ones'
complete -c popfetch -s S -l serverinfo -d 'show the server greeting and capabilities'
complete -c popfetch -s j -l jobs -x -d 'accounts fetched at once'
complete -c popfetch -l json -d 'one JSON object per account'
complete -c popfetch -l progress -x -a 'auto always never' -d 'a progress line'
complete -c popfetch -l deliver -x -a 'maildir mbox' -d 'where a POP URL delivers'
complete -c popfetch -l passwordeval -x -d 'the password of a POP URL from a command'
complete -c popfetch -l import -x -a 'fetchmail mpop getmail' -d 'print a fetchrc from another fetcher'
complete -c popfetch -l authorize -x -a '(__popfetch_accounts)' -d 'authorize an OAuth account'
complete -c popfetch -l check -d 'check the rc file; no network'
complete -c popfetch -l syslog -d 'log to syslog'
complete -c popfetch -s h -l help -d 'print the help'
complete -c popfetch -s V -l version -d 'print the version'
