# Reading an mbox back with real mbox readers, for the mbox and MDA suites.
#
#   mbox_split MBOX DIR     git mailsplit --mboxrd: one file per message in
#                           DIR, the From_ line and the separating blank line
#                           taken off, >From unquoted
#   mbox_count MBOX         how many messages procmail's formail sees
#   assert_mbox_holds MBOX SRC...   the messages of MBOX are exactly the
#                           files given (as a multiset), byte for byte

mbox_split() {
	local mbox=$1 dir=$2
	rm -rf "$dir"
	mkdir -p "$dir"
	git mailsplit --mboxrd -o"$dir" "$mbox" >/dev/null
	# Drop the From_ line and the blank line that ends each message: one
	# interpreter for them all, as a torture round splits hundreds.
	python3 -c 'import os, sys
for n in os.listdir(sys.argv[1]):
    p = os.path.join(sys.argv[1], n)
    d = open(p, "rb").read()
    d = d[d.index(b"\n") + 1:]
    assert d.endswith(b"\n\n") or d == b"\n", p
    open(p, "wb").write(d[:-1])' "$dir"
}

mbox_count() {
	formail -s sh -c 'cat >/dev/null; echo x' <"$1" | wc -l
}

assert_mbox_holds() {
	local mbox=$1
	shift
	local split=$BATS_TEST_TMPDIR/mbox-split.$RANDOM
	mbox_split "$mbox" "$split"
	local want got
	want=$(sha256sum -- "$@" | sed 's/^\\//' | awk '{print $1}' | sort)
	got=$(_sums "$split")
	if [[ $want != "$got" ]]; then
		{
			echo "-- mbox $mbox does not hold exactly the $# messages --"
			echo "got $(ls "$split" | wc -l) messages"
			diff <(echo "$want") <(echo "$got") || true
		} | fail
		return 1
	fi
	local n
	n=$(mbox_count "$mbox")
	if ((n != $#)); then
		echo "formail sees $n messages in $mbox, not $#" | fail
		return 1
	fi
}
