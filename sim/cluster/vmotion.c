/*
 * vmotion.c - VMotion: live migration of a running VM between hosts of a
 * cluster (to be filled in).
 */
#include <stdlib.h>

#include "cluster/cluster_priv.h"

uint64_t vmotion_tick(struct cluster *c, uint64_t now, bool *busy)
{
	(void)c;
	(void)now;
	*busy = false;
	return UINT64_MAX;
}

void vmotion_free_all(struct vcenter *vc)
{
	for (int i = 0; i < vc->nmig; i++)
		free(vc->mig[i]);
	free(vc->mig);
	free(vc->active);
}
