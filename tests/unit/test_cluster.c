/*
 * test_cluster.c - the cluster model: vSphere's configuration maximums as
 * the limits, datastores shared or local, VM networks, VirtualCenter's
 * books per host, and live and modelled VMs side by side.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cluster/cluster.h"
#include "sim.h"
#include "status.h"
#include "testlib.h"
#include "vmkernel/world.h"

#define HELLO "scenarios/guests/hello.elf"

static struct cluster *make(struct sim **s, const char *shared)
{
	struct cluster *c;
	char err[GUEST_ERR_MAX];

	assert_int_equal(sim_create(NULL, s), SIM_OK);
	assert_int_equal(cluster_create(*s, &(struct cluster_config){
		.name = "prod", .shared_datastore = shared }, &c, err), SIM_OK);
	return c;
}

/* 96 hosts and 10,000 VMs fit; the 97th host and 10,001st VM do not. */
static void configuration_maximums(void **state)
{
	struct sim *s;
	struct cluster *c = make(&s, "san0");
	char err[GUEST_ERR_MAX];
	int h, vm;

	(void)state;
	for (int i = 0; i < CLUSTER_MAX_HOSTS; i++)
		assert_int_equal(cluster_add_host(c, &(struct cluster_host_config){
			.host = { .pcpus = 64, .mhz = 2400, .mem_mb = 1u << 20 } },
			&h, err), SIM_OK);
	assert_int_equal(cluster_add_host(c, &(struct cluster_host_config){ 0 },
					  &h, err), SIM_ESTATE);
	assert_non_null(strstr(err, "96 hosts"));
	for (int i = 0; i < CLUSTER_MAX_VMS; i++)
		assert_int_equal(cluster_add_vm(c, &(struct cluster_vm_config){
			.host = i % CLUSTER_MAX_HOSTS, .mem_mb = 4096,
			.demand_mhz = 1000 }, &vm, err), SIM_OK);
	assert_int_equal(vm, CLUSTER_MAX_VMS - 1);
	assert_int_equal(cluster_add_vm(c, &(struct cluster_vm_config){
		.host = 0 }, &vm, err), SIM_ESTATE);
	assert_non_null(strstr(err, "10000 VMs"));
	/* the books: 10,000 / 96 = 104 VMs, 16 hosts with one more */
	assert_int_equal(cluster_host(c, 0)->nvms, 105);
	assert_int_equal(cluster_host(c, 95)->nvms, 104);
	assert_int_equal(cluster_host(c, 0)->demand_mhz, 105000);
	assert_int_equal(cluster_host(c, 0)->mem_used_mb, 105 * 4096);
	sim_destroy(s);
}

/* A host as large as vSphere allows: 768 logical CPUs, 24 TB. */
static void host_maximums(void **state)
{
	struct sim *s;
	struct host *h;
	char err[GUEST_ERR_MAX];

	(void)state;
	assert_int_equal(sim_create(NULL, &s), SIM_OK);
	assert_int_equal(sim_add_host(s, &(struct host_config){ .name = "big",
		.pcpus = 768, .mem_mb = 24u * 1024 * 1024 }, &h, err), SIM_OK);
	assert_int_equal(host_world_count(h), 769);	/* idle x768, console */
	assert_int_equal(sim_add_host(s, &(struct host_config){ .name = "b2",
		.pcpus = 769 }, &h, err), SIM_EINVAL);
	assert_int_equal(sim_add_host(s, &(struct host_config){ .name = "b3",
		.mem_mb = 24u * 1024 * 1024 + 1 }, &h, err), SIM_EINVAL);
	assert_non_null(strstr(err, "24 TB"));
	for (int i = 0; i < 17; i++) {
		char name[16];

		snprintf(name, sizeof name, "h%d", i);
		assert_int_equal(sim_add_host(s, &(struct host_config){
			.name = name }, &h, err), SIM_OK);
	}
	assert_int_equal(sim_host_count(s), 18);
	sim_destroy(s);
}

/* Datastores: shared ones every host reaches, local ones only theirs. */
static void datastores_and_networks(void **state)
{
	struct sim *s;
	struct cluster *c = make(&s, "san0");
	char err[GUEST_ERR_MAX];
	int h0, h1, vm;

	(void)state;
	assert_int_equal(cluster_add_host(c, &(struct cluster_host_config){
		.host = { .name = "esx1" }, .local_datastore = "local1" },
		&h0, err), SIM_OK);
	assert_int_equal(cluster_add_host(c, &(struct cluster_host_config){
		.host = { .name = "esx2" },
		.networks = { "VM Network", "DMZ" } }, &h1, err), SIM_OK);
	assert_true(cluster_host_sees(c, h1, cluster_datastore_by_name(c, "san0")));
	assert_true(cluster_host_sees(c, h0, cluster_datastore_by_name(c, "local1")));
	assert_false(cluster_host_sees(c, h1, cluster_datastore_by_name(c, "local1")));
	/* a disk on another host's local datastore cannot be placed */
	assert_int_equal(cluster_add_vm(c, &(struct cluster_vm_config){
		.host = h1, .datastore = "local1" }, &vm, err), SIM_ENOTFOUND);
	assert_non_null(strstr(err, "local to esx1"));
	/* a VM network the host does not have */
	assert_int_equal(cluster_add_vm(c, &(struct cluster_vm_config){
		.host = h0, .network = "DMZ" }, &vm, err), SIM_EINVAL);
	assert_non_null(strstr(err, "no VM network named DMZ"));
	assert_int_equal(cluster_add_vm(c, &(struct cluster_vm_config){
		.name = "db", .host = h1, .network = "DMZ",
		.reservation_mhz = 500, .reservation_mb = 512 }, &vm, err),
		SIM_OK);
	assert_int_equal(cluster_host(c, h1)->reserved_mhz, 500);
	assert_int_equal(cluster_vm(c, vm)->datastore,
			 cluster_datastore_by_name(c, "san0"));
	/* admission control: reservations beyond the host's capacity */
	assert_int_equal(cluster_add_vm(c, &(struct cluster_vm_config){
		.host = h1, .reservation_mhz = 1600 }, &vm, err), SIM_ESTATE);
	assert_non_null(strstr(err, "admission control"));
	sim_destroy(s);
}

/* A live VM runs its guest on its host, beside modelled ones. */
static void live_and_modelled(void **state)
{
	struct sim *s;
	struct cluster *c = make(&s, "san0");
	char err[GUEST_ERR_MAX];
	enum sim_stop why;
	size_t len;
	int h0, live, mod;

	(void)state;
	assert_int_equal(cluster_add_host(c, &(struct cluster_host_config){
		.host = { .name = "esx1" } }, &h0, err), SIM_OK);
	assert_int_equal(cluster_add_vm(c, &(struct cluster_vm_config){
		.name = "web", .host = h0, .guest = HELLO, .mem_mb = 16 },
		&live, err), SIM_OK);
	assert_int_equal(cluster_add_vm(c, &(struct cluster_vm_config){
		.name = "batch", .host = h0, .demand_mhz = 300 }, &mod, err),
		SIM_OK);
	assert_non_null(cluster_vm_live(c, live));
	assert_null(cluster_vm_live(c, mod));
	assert_int_equal(cluster_vm(c, mod)->mem_mb, 1024);
	assert_int_equal(sim_run(s, 100000000, &why), SIM_OK);
	assert_non_null(strstr(vm_serial(cluster_vm_live(c, live), &len),
			       "hello from a guest kernel"));
	assert_int_equal(cluster_vm_by_name(c, "batch"), mod);
	sim_destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(configuration_maximums),
		cmocka_unit_test(host_maximums),
		cmocka_unit_test(datastores_and_networks),
		cmocka_unit_test(live_and_modelled),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
