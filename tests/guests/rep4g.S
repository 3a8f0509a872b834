/* rep4g.S - repouts.S with ECX 0xfffffff0: four billion OUTSBs. */
        .set COUNT, 0xfffffff0
        .include "tests/guests/repouts.S"
