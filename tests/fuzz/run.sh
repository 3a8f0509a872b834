#!/bin/sh
# run.sh BUILD SECONDS - run every libFuzzer target in BUILD/fuzz for
# SECONDS each (`make fuzz`, FUZZ_SECONDS), starting from the seed corpus
# in tests/fuzz/TARGET/ plus what earlier runs kept in BUILD/fuzz/corpus/.
# Prints one line of figures per target (from libFuzzer's final stats) and
# exits non-zero if any target found a crash, a leak or a hang: its input
# is left in BUILD/fuzz/found-TARGET-*, to be kept as a regression test.
# Only what this run wrote there counts: an earlier run's find, kept as a
# test and fixed since, stays (nothing is deleted) but fails nothing.
# The lines also go to tests/fuzz/figures.txt, which docs/bad-input.md
# shows (commit it after a run: the figures are the program's, not typed).
build=${1:-build/fuzz}
secs=${2:-20}
status=0
figures=tests/fuzz/figures.txt
echo "make fuzz FUZZ_SECONDS=$secs on $(nproc) CPUs, $(cd "$(dirname "$0")/../.." && git rev-parse --short HEAD 2>/dev/null || echo '?'):" > "$figures.new"
for bin in "$build"/fuzz/fuzz_*; do
	[ -x "$bin" ] || continue
	t=${bin##*/fuzz_}
	corpus="$build/fuzz/corpus/$t"
	mkdir -p "$corpus"
	log="$build/fuzz/$t.log"
	# the bundled files are seeds too (read, never written)
	case $t in
	scenario) more=scenarios ;;
	loader) more=scenarios/guests ;;
	*) more= ;;
	esac
	# -timeout: a bundled scenario (vcb) takes 2.3 s of CPU under ASan and
	# UBSan, 8 s of wall-clock time on a shared 2-CPU machine: a hang is
	# what takes longer than 30 s.  -report_slow_units the same: libFuzzer
	# keeps an input slower than 10 s (its default) as found-*-slow-unit-*,
	# which on a busy machine a mutant of vcb.lua was (12 s of wall-clock
	# time, 1.6 s of CPU), and that is no find
	start="$build/fuzz/.start-$t"
	: > "$start"
	"$bin" -max_total_time="$secs" -timeout=30 -report_slow_units=30 \
		-rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$build/fuzz/found-$t-" \
		"$corpus" "tests/fuzz/$t" $more >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	found=$(find "$build/fuzz" -maxdepth 1 -name "found-$t-*" -newer "$start" | wc -l)
	echo "fuzz $t: ${execs:-0} executions in ${secs} s, corpus $(ls "$corpus" | wc -l) inputs (seeds $(ls "tests/fuzz/$t" | wc -l)), $found found$([ $rc -eq 0 ] || echo ", exit $rc: see $log")"
	[ $rc -eq 0 ] && [ "$found" -eq 0 ] || status=1
done | tee -a "$figures.new"
mv -f "$figures.new" "$figures"
grep -q 'found$\|, exit' "$figures" && grep -q ' [1-9][0-9]* found\|, exit' "$figures" && exit 1
exit 0
