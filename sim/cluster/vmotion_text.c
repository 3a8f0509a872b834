/*
 * vmotion_text.c - VirtualCenter's events (EV_CLUSTER) in English, for
 * headless output, the log view and the trace.
 */
#include <stdio.h>

#include "cluster/cluster.h"
#include "cluster/vmotion.h"

/* pages to MiB, one decimal */
#define MB(p) ((double)(p) / 256)
#define MS(us) ((double)(us) / 1000)

const char *cluster_event_text(struct sim *s, const struct event *ev,
			       char *buf, size_t n)
{
	struct cluster *c = cluster_of_world(s, ev->u.cluster.cluster);
	const struct cluster_vm *vm = c ? cluster_vm(c, ev->u.cluster.vm) : NULL;
	const struct cluster_host *src = c ? cluster_host(c, ev->u.cluster.src) : NULL;
	const struct cluster_host *dst = c ? cluster_host(c, ev->u.cluster.dst) : NULL;
	const char *vn = vm ? vm->name : "?";
	const char *sn = src ? src->host->name : "?";
	const char *dn = dst ? dst->host->name : "?";
	switch ((enum cluster_action)ev->u.cluster.action) {
	case CL_VMOTION_START:
		snprintf(buf, n, "VMotion %s %s -> %s: checks passed; pre-copy round 0 sends all %.1f MiB while it runs",
			 vn, sn, dn, MB(ev->u.cluster.pages));
		break;
	case CL_VMOTION_REFUSED:
		snprintf(buf, n, "VMotion %s %s -> %s refused before anything moved (%s)",
			 vn, sn, dn,
			 vmotion_refusal_name((enum vmotion_refusal)ev->u.cluster.reason));
		break;
	case CL_VMOTION_ROUND:
		snprintf(buf, n, "VMotion %s: round %u sent %.1f MiB in %.1f ms; the guest dirtied %.1f MiB meanwhile",
			 vn, ev->u.cluster.round, MB(ev->u.cluster.pages),
			 MS(ev->u.cluster.us), MB(ev->u.cluster.left));
		break;
	case CL_VMOTION_THROTTLE:
		snprintf(buf, n, "VMotion %s: it dirties faster than the link sends; auto-converge throttles its vCPUs by %u%%",
			 vn, ev->u.cluster.pct);
		break;
	case CL_VMOTION_STUN:
		snprintf(buf, n, "VMotion %s: stun on %s (%s); %.1f MiB left to send",
			 vn, sn,
			 ev->u.cluster.reason == PRECOPY_CONVERGED
				 ? "what is left fits the downtime limit"
				 : ev->u.cluster.reason == PRECOPY_ROUND_CAP
				 ? "too many rounds: it does not converge"
				 : "3 x its memory sent: it does not converge",
			 MB(ev->u.cluster.left));
		break;
	case CL_VMOTION_SWITCHOVER:
		snprintf(buf, n, "VMotion %s: switch-over: the last %.1f MiB, the vCPUs' registers and the devices' state go to %s (%.3f ms)",
			 vn, MB(ev->u.cluster.pages), dn, MS(ev->u.cluster.us));
		break;
	case CL_VMOTION_RESUME:
		snprintf(buf, n, "VMotion %s: resumed on %s after %.3f ms stunned",
			 vn, dn, MS(ev->u.cluster.us));
		break;
	case CL_VMOTION_RARP:
		snprintf(buf, n, "VMotion %s: %s sends RARP from the VM's MAC: the switches now send its traffic to %s's port",
			 vn, dn, dn);
		break;
	case CL_VMOTION_DONE:
		snprintf(buf, n, "VMotion %s %s -> %s done: %.1f MiB in %.3f s (%s)",
			 vn, sn, dn, MB(ev->u.cluster.pages),
			 MS(ev->u.cluster.us) / 1000,
			 precopy_stop_name((enum precopy_stop)ev->u.cluster.reason));
		break;
	case CL_HOST_STATE:
		snprintf(buf, n, "host %s is now %s", sn,
			 chost_state_name((enum chost_state)ev->u.cluster.pct));
		break;
	default:
		snprintf(buf, n, "cluster event %u", ev->u.cluster.action);
		break;
	}
	return buf;
}
