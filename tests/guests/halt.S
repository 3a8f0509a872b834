/* halt.S - CLI then HLT: the CPU stops for good (no interrupt can wake it). */
        .include "tests/guests/mb.inc"
_start:
        cli
        hlt
        EXIT 1
