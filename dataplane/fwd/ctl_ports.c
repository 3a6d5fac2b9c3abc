/* SPDX-License-Identifier: BSD-3-Clause */
/* Control handlers PORTS (link state) and MODULE_EEPROM (optical module DOM), manager lcore. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>

#include "fwd.h"
#include "server.h"

static json_t *port_json(struct hy_fwd *fwd, uint16_t i)
{
	const struct hy_port_conf *pc = &fwd->conf.ports[i];
	const struct hy_port *p = &fwd->ports[i];
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	struct rte_eth_link link;
	json_int_t speed;
	char mac[RTE_ETHER_ADDR_FMT_SIZE];
	json_t *o, *vlans = json_array();

	memset(&info, 0, sizeof(info));
	memset(&link, 0, sizeof(link));
	memset(&conf, 0, sizeof(conf));
	rte_eth_dev_info_get(p->dpdk_id, &info);
	rte_eth_dev_conf_get(p->dpdk_id, &conf);
	rte_eth_link_get_nowait(p->dpdk_id, &link);
	speed = link.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN ? 0 : link.link_speed;
	/* Lower case, as iproute2 prints it. */
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", p->mac.addr_bytes[0], p->mac.addr_bytes[1],
		 p->mac.addr_bytes[2], p->mac.addr_bytes[3], p->mac.addr_bytes[4], p->mac.addr_bytes[5]);
	for (uint16_t v = 0; v < pc->n_vlans; v++)
		json_array_append_new(vlans, json_pack("{s:i, s:s, s:b}", "id", pc->vlans[v].id, "name", pc->vlans[v].name,
						       "admin_up", hy_link_vlan_up(fwd, i, pc->vlans[v].id)));
	o = json_pack("{s:s, s:i, s:i, s:s, s:s, s:s, s:i, s:i, s:i, s:o}", "name", pc->name, "id", (int)i,
		      "dpdk_port", (int)p->dpdk_id, "device", pc->device, "driver",
		      info.driver_name ? info.driver_name : "", "mac", mac, "mtu", (int)p->mtu, "rx_queues",
		      (int)pc->rx_queues, "tx_queues", (int)p->n_txq, "vlans", vlans);
	json_object_set_new(o, "tap", pc->tap[0] ? json_string(pc->tap) : json_null());
	json_object_set_new(o, "admin_up", json_boolean(!hy_port_admin_down(fwd, i)));
	json_object_set_new(o, "urpf", json_string(hy_urpf_names[p->urpf]));
	json_object_set_new(o, "rx_ip_checksum_offload",
			    json_boolean(conf.rxmode.offloads & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM));
	json_object_set_new(o, "link",
			    json_pack("{s:b, s:I, s:s, s:b, s:I}", "up", link.link_status == RTE_ETH_LINK_UP,
				      "speed_mbps", speed,
				      "duplex", link.link_duplex == RTE_ETH_LINK_FULL_DUPLEX ? "full" : "half",
				      "autoneg", link.link_autoneg == RTE_ETH_LINK_AUTONEG,
				      "changes", (json_int_t)fwd->link[i].changes));
	return o;
}

static int handle_ports(void *ctx, const struct hy_ctl_request *req, struct hy_ctl_reply *reply)
{
	struct hy_fwd *fwd = ctx;
	json_t *ports = json_array();

	(void)req;
	for (uint16_t i = 0; i < fwd->n_ports; i++)
		json_array_append_new(ports, port_json(fwd, i));
	return hy_ctl_reply_json(reply, json_pack("{s:o}", "ports", ports));
}

static int handle_module_eeprom(void *ctx, const struct hy_ctl_request *req, struct hy_ctl_reply *reply)
{
	struct hy_fwd *fwd = ctx;
	uint16_t port = hy_le16(req->payload);
	struct rte_eth_dev_module_info info;
	struct rte_dev_eeprom_info ee;
	uint8_t *out;
	int rc;

	if (port >= fwd->n_ports)
		return hy_ctl_reply_error(reply, -ENODEV, "port: no port %u (%u ports)", port, fwd->n_ports);
	memset(&info, 0, sizeof(info));
	rc = rte_eth_dev_get_module_info(fwd->ports[port].dpdk_id, &info);
	if (rc == -ENOTSUP || rc == -ENODEV || (rc == 0 && info.eeprom_len == 0))
		return hy_ctl_reply_error(reply, -ENOTSUP, "port %s: no module EEPROM (device or driver without one)",
					  fwd->conf.ports[port].name);
	if (rc != 0)
		return hy_ctl_reply_error(reply, rc, "port %s: module info: %s", fwd->conf.ports[port].name,
					  rte_strerror(-rc));
	out = hy_ctl_reply_reserve(reply, 8 + info.eeprom_len);
	if (out == NULL)
		return -ENOMEM;
	hy_put_le32(out, info.type);
	hy_put_le32(out + 4, info.eeprom_len);
	memset(&ee, 0, sizeof(ee));
	ee.data = out + 8;
	ee.offset = 0;
	ee.length = info.eeprom_len;
	rc = rte_eth_dev_get_module_eeprom(fwd->ports[port].dpdk_id, &ee);
	if (rc != 0)
		return hy_ctl_reply_error(reply, rc, "port %s: module EEPROM: %s", fwd->conf.ports[port].name,
					  rte_strerror(-rc));
	return 0;
}

static const struct hy_ctl_handler ports = {HY_CTL_PORTS, "PORTS", handle_ports, 0, 0, false};
static const struct hy_ctl_handler module_eeprom = {HY_CTL_MODULE_EEPROM, "MODULE_EEPROM", handle_module_eeprom, 4,
						    0, false};
HY_CTL_HANDLER(ports)
HY_CTL_HANDLER(module_eeprom)
