/*
 * cluster_cpu.c - CPU models and their CPUID features, for VMotion's CPU
 * compatibility check.
 *
 * A guest reads CPUID once, at boot, and from then on uses what it found
 * (SSE4.1 string routines, POPCNT, AES-NI...).  Moving it to a CPU without
 * one of those features would make its next such instruction fault, so
 * VMotion requires the features the guest saw to be a subset of the
 * destination's [src: VMware KB 1991 and KB 1992, VMotion CPU
 * compatibility for Intel and AMD processors].  Enhanced VMotion
 * Compatibility (EVC, ESX 3.5 U2) masks every host of a cluster down to a
 * common baseline so that any move passes [src: VMware KB 1003212].
 * Feature lists: Intel and AMD processor documentation.
 */
#include <stddef.h>
#include <string.h>

#include "cluster/cluster.h"

#define BASE (CPUF_SSE2 | CPUF_NX | CPUF_LM)

static const struct cpu_model models[] = {
	{ "xeon-5100", "Intel Xeon 5100 (Woodcrest, 2006)",
	  BASE | CPUF_SSE3 | CPUF_SSSE3 },
	{ "xeon-5400", "Intel Xeon 5400 (Penryn, 2007)",
	  BASE | CPUF_SSE3 | CPUF_SSSE3 | CPUF_SSE41 },
	{ "xeon-5500", "Intel Xeon 5500 (Nehalem, 2009)",
	  BASE | CPUF_SSE3 | CPUF_SSSE3 | CPUF_SSE41 | CPUF_SSE42 |
	  CPUF_POPCNT },
	{ "xeon-5600", "Intel Xeon 5600 (Westmere, 2010)",
	  BASE | CPUF_SSE3 | CPUF_SSSE3 | CPUF_SSE41 | CPUF_SSE42 |
	  CPUF_POPCNT | CPUF_AES },
	{ "xeon-e5-v3", "Intel Xeon E5 v3 (Haswell, 2014)",
	  BASE | CPUF_SSE3 | CPUF_SSSE3 | CPUF_SSE41 | CPUF_SSE42 |
	  CPUF_POPCNT | CPUF_AES | CPUF_AVX | CPUF_AVX2 },
	{ "xeon-scalable", "Intel Xeon Scalable (Skylake-SP, 2017)",
	  BASE | CPUF_SSE3 | CPUF_SSSE3 | CPUF_SSE41 | CPUF_SSE42 |
	  CPUF_POPCNT | CPUF_AES | CPUF_AVX | CPUF_AVX2 | CPUF_AVX512 },
	{ "opteron-2200", "AMD Opteron 2200 (Santa Rosa, 2006)",
	  BASE | CPUF_SSE3 | CPUF_3DNOW },
	{ "opteron-2300", "AMD Opteron 2300 (Barcelona, 2007)",
	  BASE | CPUF_SSE3 | CPUF_POPCNT | CPUF_3DNOW },
};

static const char *const feature_names[CPUF_COUNT] = {
	"sse2", "sse3", "ssse3", "sse4.1", "sse4.2", "popcnt", "aes", "avx",
	"avx2", "avx512f", "nx", "lm", "3dnow",
};

const struct cpu_model *cluster_cpu_model(const char *name)
{
	for (size_t i = 0; i < sizeof models / sizeof models[0]; i++)
		if (strcmp(models[i].name, name) == 0)
			return &models[i];
	return NULL;
}

int cluster_cpu_model_count(void)
{
	return (int)(sizeof models / sizeof models[0]);
}

const struct cpu_model *cluster_cpu_model_at(int i)
{
	return i >= 0 && i < cluster_cpu_model_count() ? &models[i] : NULL;
}

const char *cluster_cpu_feature_name(uint32_t bit)
{
	for (int i = 0; i < CPUF_COUNT; i++)
		if (bit == 1u << i)
			return feature_names[i];
	return "?";
}
