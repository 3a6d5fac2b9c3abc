"""Module EEPROM decoders against byte-exact images built from SFF-8472, SFF-8636 and CMIS."""

from __future__ import annotations

import errno
import struct

import pytest
from hayate.thermal.ethtool_source import NetlinkModuleMemory
from hayate.thermal.memory import HALF_PAGE, I2C_ADDR_A0, I2C_ADDR_A2, FlatImage, ModuleType, PageMap
from hayate.thermal.module import EepromError, decode
from pyroute2.ethtool import module_info as pyroute2_sff

from thermal import images


def flat(data: bytes, layout: ModuleType) -> FlatImage:
    return FlatImage(data, layout)


# --- SFF-8472


def test_sff8472_normal_reads_temperature_thresholds_and_identity() -> None:
    r = decode(flat(images.sff8472(temp=41.5), ModuleType.SFF_8472))
    assert r.standard == "SFF-8472"
    assert r.identifier == 0x03
    assert r.temperature_c == pytest.approx(41.5)
    assert r.thresholds is not None
    assert (r.thresholds.high_alarm, r.thresholds.high_warning) == (75.0, 70.0)
    assert (r.thresholds.low_alarm, r.thresholds.low_warning) == (-5.0, 0.0)
    assert (r.vendor, r.part_number, r.serial) == ("HAYATE OPTICS", "HY-SFP10G-SR", "SN8472A0001")
    assert r.flags is not None and not r.flags.high_alarm and not r.flags.high_warning


def test_sff8472_warning_and_alarm_flags_are_decoded() -> None:
    warn = decode(flat(images.sff8472(temp=71.25, flags_high_warning=True), ModuleType.SFF_8472))
    assert warn.temperature_c == pytest.approx(71.25)
    assert warn.flags is not None and warn.flags.high_warning and not warn.flags.high_alarm
    alarm = decode(flat(images.sff8472(temp=76.0, flags_high_alarm=True), ModuleType.SFF_8472))
    assert alarm.flags is not None and alarm.flags.high_alarm


def test_sff8472_negative_temperature_is_signed() -> None:
    r = decode(flat(images.sff8472(temp=-3.75), ModuleType.SFF_8472))
    assert r.temperature_c == pytest.approx(-3.75)


def test_sff8472_external_calibration_applies_slope_and_offset_to_value_and_thresholds() -> None:
    # T_slope 2.0 (512/256), T_offset +10 °C (2560/256): raw counts differ from the °C values.
    data = images.sff8472(temp=50.0, external_cal=(512, 2560))
    raw_temp = struct.unpack_from(">h", data, 256 + 96)[0] / 256
    assert raw_temp != pytest.approx(50.0)
    r = decode(flat(data, ModuleType.SFF_8472))
    assert r.temperature_c == pytest.approx(50.0, abs=0.01)
    assert r.thresholds is not None and r.thresholds.high_warning == pytest.approx(70.0, abs=0.01)
    assert any("externally calibrated" in n for n in r.notes)


def test_sff8472_without_ddm_reports_no_temperature_and_says_why() -> None:
    r = decode(flat(images.sff8472(ddm=False), ModuleType.SFF_8472))
    assert r.temperature_c is None and r.thresholds is None
    assert "byte 92 bit 6" in r.notes[0]


def test_sff8472_missing_a2_page_is_a_clear_error() -> None:
    a0_only = images.sff8472()[:256]
    with pytest.raises(EepromError, match="A2h bytes 0-127"):
        decode(flat(a0_only, ModuleType.SFF_8079))


@pytest.mark.parametrize("temp", [20.0, 41.5, -3.75, 69.99609375])
def test_sff8472_matches_pyroute2_decoder(temp: float) -> None:
    """pyroute2 decodes SFF-8472 diagnostics; both decoders must agree on the same 512 bytes."""
    data = images.sff8472(temp=temp, flags_high_warning=temp > 69)
    eeprom = tuple(data)
    theirs_diag = dict(pyroute2_sff.sff8472_get_diag_mon(eeprom))
    theirs_thr = dict(pyroute2_sff.sff8472_get_alarm_warning_thresholds(eeprom))
    theirs_flags = dict(pyroute2_sff.sff8472_get_alarm_warning(eeprom))
    ours = decode(flat(data, ModuleType.SFF_8472))
    field = pyroute2_sff.ModuleInfoField
    assert ours.temperature_c == pytest.approx(theirs_diag[field.TEMP.value], abs=0.005)
    assert ours.thresholds is not None and ours.flags is not None
    thr = {k.split(" threshold")[0]: v for k, v in theirs_thr.items()}
    assert ours.thresholds.high_alarm == pytest.approx(thr[field.TEMP_HALRM.value])
    assert ours.thresholds.low_alarm == pytest.approx(thr[field.TEMP_LALRM.value])
    assert ours.thresholds.high_warning == pytest.approx(thr[field.TEMP_HWARN.value])
    assert ours.thresholds.low_warning == pytest.approx(thr[field.TEMP_LWARN.value])
    assert ours.flags.high_warning == theirs_flags[field.TEMP_HWARN.value]
    assert ours.flags.high_alarm == theirs_flags[field.TEMP_HALRM.value]


def test_sff8472_check_codes_of_the_image_are_valid() -> None:
    """The images carry correct CC_BASE / CC_EXT / CC_DMI, as a real module's EEPROM does."""
    data = images.sff8472()
    assert data[63] == sum(data[0:63]) & 0xFF
    assert data[95] == sum(data[64:95]) & 0xFF
    assert data[256 + 95] == sum(data[256 : 256 + 95]) & 0xFF


# --- SFF-8636


def test_sff8636_normal_reads_lower_page_temperature_and_page03_thresholds() -> None:
    r = decode(flat(images.sff8636(temp=45.0), ModuleType.SFF_8636))
    assert (r.standard, r.identifier) == ("SFF-8636", 0x11)
    assert r.temperature_c == 45.0
    assert r.thresholds is not None
    assert (r.thresholds.high_alarm, r.thresholds.high_warning, r.thresholds.low_warning) == (75.0, 70.0, 0.0)
    assert (r.vendor, r.part_number, r.serial) == ("HAYATE OPTICS", "HY-QSFP28-SR4", "SN8636Q0001")


def test_sff8636_warning_and_alarm_flags_from_lower_page_byte6() -> None:
    r = decode(flat(images.sff8636(temp=71.0, flags=0x20), ModuleType.SFF_8636))
    assert r.flags is not None and r.flags.high_warning and not r.flags.high_alarm
    r = decode(flat(images.sff8636(temp=77.0, flags=0xA0), ModuleType.SFF_8636))
    assert r.flags is not None and r.flags.high_alarm and r.flags.high_warning


def test_sff8636_missing_page03_keeps_temperature_and_notes_it() -> None:
    r = decode(flat(images.sff8636()[:256], ModuleType.SFF_8636))  # a driver that returned 256 bytes only
    assert r.temperature_c == 45.0
    assert r.thresholds is None
    assert any("page 03h not readable" in n for n in r.notes)


def test_sff8636_flat_memory_has_no_thresholds_page() -> None:
    r = decode(flat(images.sff8636(flat=True), ModuleType.SFF_8636))
    assert r.thresholds is None and any("flat memory" in n for n in r.notes)


def test_sff8636_from_netlink_style_page_map() -> None:
    data = images.sff8636(temp=66.5)
    pages = PageMap({(I2C_ADDR_A0, PageMap.LOWER): data[:128], (I2C_ADDR_A0, 0): data[128:256]})
    pages.set(I2C_ADDR_A0, 3, data[512:640])
    r = decode(pages)
    assert r.temperature_c == 66.5 and r.thresholds is not None and r.thresholds.high_warning == 70.0


# --- CMIS


def test_cmis_normal_reads_module_temperature_and_page02_thresholds() -> None:
    r = decode(flat(images.cmis(temp=52.0), ModuleType.SFF_8636))
    assert (r.standard, r.identifier) == ("CMIS", 0x18)
    assert r.temperature_c == 52.0
    assert r.thresholds is not None and (r.thresholds.high_warning, r.thresholds.high_alarm) == (75.0, 80.0)
    assert (r.vendor, r.part_number, r.serial) == ("HAYATE OPTICS", "HY-QDD-400G-DR4", "SNCMIS00001")
    assert "CMIS revision 5.0" in r.notes


def test_cmis_flags_from_byte9() -> None:
    r = decode(flat(images.cmis(temp=81.0, flags=0x05), ModuleType.SFF_8636))
    assert r.flags is not None and r.flags.high_alarm and r.flags.high_warning and not r.flags.low_alarm


def test_cmis_osfp_identifier_is_decoded_as_cmis() -> None:
    r = decode(flat(images.cmis(identifier=0x19), ModuleType.SFF_8636))
    assert r.standard == "CMIS" and r.identifier == 0x19


def test_cmis_missing_page02_and_flat_memory() -> None:
    r = decode(flat(images.cmis()[:256], ModuleType.SFF_8636))
    assert r.temperature_c == 52.0 and r.thresholds is None
    assert any("page 02h not readable" in n for n in r.notes)
    r = decode(flat(images.cmis(flat=True), ModuleType.SFF_8636))
    assert r.thresholds is None and any("flat memory" in n for n in r.notes)


# --- garbage


def test_garbage_identifier_is_rejected_with_the_byte() -> None:
    with pytest.raises(EepromError, match="0x5a"):
        decode(flat(b"\x5a" * 640, ModuleType.SFF_8636))


def test_blank_eeprom_is_reported_as_absent_or_unprogrammed() -> None:
    with pytest.raises(EepromError, match="not programmed"):
        decode(flat(bytes(640), ModuleType.SFF_8636))


def test_thresholds_out_of_order_are_garbage() -> None:
    with pytest.raises(EepromError, match="page 03h bytes 128-135: temperature thresholds out of order"):
        decode(flat(images.sff8636(high_alarm=20.0, high_warning=70.0), ModuleType.SFF_8636))
    data = bytearray(images.sff8472())
    data[256:264] = b"\xff" * 8  # all thresholds -0.0039 °C: an unprogrammed A2h
    with pytest.raises(EepromError, match="A2h bytes 0-7"):
        decode(flat(bytes(data), ModuleType.SFF_8472))


def test_truncated_image_is_a_missing_lower_page() -> None:
    with pytest.raises(EepromError, match="lower page"):
        decode(flat(images.sff8636()[:100], ModuleType.SFF_8636))


def test_garbage_vendor_bytes_never_break_text() -> None:
    data = bytearray(images.sff8636())
    data[148:164] = bytes(range(0xF0, 0x100))
    r = decode(flat(bytes(data), ModuleType.SFF_8636))
    assert r.vendor == "?" * 16


def test_page_map_rejects_a_wrong_page_length() -> None:
    with pytest.raises(ValueError, match="expected 128"):
        PageMap({(I2C_ADDR_A0, 0): b"\x00" * 64})


# --- sources


def test_flat_sff8472_layout_maps_a2_after_a0() -> None:
    data = images.sff8472()
    image = FlatImage(data, ModuleType.SFF_8472)
    assert image.lower(I2C_ADDR_A2) == data[256:384]
    assert image.upper(I2C_ADDR_A2, 0) == data[384:512]
    assert image.upper(I2C_ADDR_A0, 3) is None


class _PageServer:
    """Stands in for pyroute2's Ethtool in one unit test: answers like the kernel from a PageMap."""

    def __init__(self, pages: PageMap) -> None:
        self.pages = pages
        self.requests: list[tuple[int, int, int, int]] = []

    def get_module_eeprom(self, ifname: str, **kw: int) -> object:
        self.requests.append((kw["i2c_address"], kw["page"], kw["offset"], kw["length"]))
        page = -1 if kw["offset"] < HALF_PAGE else kw["page"]
        data = self.pages.pages.get((kw["i2c_address"], page))
        if data is None:
            err = OSError(errno.EINVAL, "Invalid argument")
            err.code = errno.EINVAL  # type: ignore[attr-defined]
            raise err

        class Reply:
            pass

        reply = Reply()
        reply.data = tuple(data)  # type: ignore[attr-defined]
        return reply


def test_netlink_memory_reads_half_pages_once_and_treats_errors_as_missing_pages() -> None:
    data = images.sff8636()
    pages = PageMap({(I2C_ADDR_A0, PageMap.LOWER): data[:128], (I2C_ADDR_A0, 0): data[128:256]})
    server = _PageServer(pages)
    memory = NetlinkModuleMemory("eth9", server)
    r = decode(memory)
    assert r.temperature_c == 45.0 and r.thresholds is None  # page 03h refused: missing
    assert (I2C_ADDR_A0, 3, 128, 128) in server.requests
    assert memory.upper(I2C_ADDR_A0, 3) is None
    assert server.requests.count((I2C_ADDR_A0, 3, 128, 128)) == 1  # not asked again


def test_real_kernel_netlink_on_loopback_says_the_driver_has_no_module_eeprom() -> None:
    with pytest.raises(EepromError, match="lo: driver has no module EEPROM access"):
        decode(NetlinkModuleMemory("lo"))


def test_real_kernel_netlink_on_missing_interface_names_it() -> None:
    with pytest.raises(EepromError, match="hyth-nosuch: no such interface"):
        decode(NetlinkModuleMemory("hyth-nosuch"))
