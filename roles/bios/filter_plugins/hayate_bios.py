"""BIOS attributes from a vendor-neutral profile (Ansible filter plugin of the bios role).

A profile says what the router needs (``turbo: true``, ``cstates: false``, ...). Each vendor map says, per
profile key, which attribute carries it and which value means what:

    turbo: {attribute: "^ProcTurboMode$", values: {"true": Enabled, "false": Disabled}}

``attribute`` is a regular expression matched against the names the BMC itself lists (Supermicro and Lenovo
names differ by board and firmware; a pattern finds the one this machine has). ``hayate_bios_plan`` resolves
the profile on the BMC's current attributes (and its pending ones: settings written but not yet applied by a
reboot) and returns what to change; a key whose value is null is left alone; a key the vendor has no
attribute for is skipped with a note; an attribute the BMC does not list, or a pattern matching several, is
an error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

VENDOR_PATTERNS = {
    "dell": r"^dell",
    "hpe": r"^(hpe|hp)\b",
    "lenovo": r"^lenovo",
    "supermicro": r"^supermicro",
    "sushy_emulator": r"^sushy emulator",
}


class BiosError(ValueError):
    """The profile cannot be mapped; the message names the profile key or attribute."""


def profile_value_key(value: Any) -> str:
    """Profile values as the maps key them: booleans as "true"/"false", the rest as strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def vendor(manufacturer: str, override: str = "auto") -> str:
    """The vendor map to use for a BMC's Systems Manufacturer (or the operator's choice)."""
    if override and override != "auto":
        return override
    for name, pattern in VENDOR_PATTERNS.items():
        if re.search(pattern, manufacturer.strip(), re.I):
            return name
    raise BiosError(
        f"bios_vendor: manufacturer {manufacturer!r} has no attribute map; set bios_vendor to one of "
        f"{', '.join(sorted(VENDOR_PATTERNS))} or add a map in bios_vendor_maps"
    )


def _resolve(pattern: str, names: list[str], key: str) -> str:
    try:
        regex = re.compile(pattern)
    except re.error as exc:
        raise BiosError(f"{key}: attribute pattern {pattern!r} is not a regular expression: {exc}") from None
    found = [n for n in names if regex.search(n)]
    if not found:
        raise BiosError(f"{key}: the BMC lists no BIOS attribute matching {pattern!r}")
    if len(found) > 1:
        raise BiosError(f"{key}: pattern {pattern!r} matches several attributes {found}; make it exact")
    return found[0]


def plan(
    profile: Mapping[str, Any],
    vendor_map: Mapping[str, Any],
    current: Mapping[str, Any],
    pending: Mapping[str, Any] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """What to set: {desired, changes {attr: {current, pending, wanted, profile}}, notes, errors}."""
    names = sorted(current)
    effective = {**current, **(pending or {})}
    desired: dict[str, Any] = {}
    origin: dict[str, str] = {}
    notes: list[str] = []
    errors: list[str] = []
    for key, value in profile.items():
        if value is None:
            continue
        entry = vendor_map.get(key)
        if entry is None:
            notes.append(f"profile {key}: this vendor has no BIOS attribute for it; left as it is")
            continue
        wanted = entry.get("values", {}).get(profile_value_key(value))
        if wanted is None:
            errors.append(
                f"profile {key}: value {value!r} has no setting for this vendor "
                f"(known: {', '.join(sorted(entry.get('values', {})))})"
            )
            continue
        try:
            attribute = _resolve(str(entry["attribute"]), names, f"profile {key}")
        except BiosError as exc:
            errors.append(str(exc))
            continue
        if attribute in desired and desired[attribute] != wanted:
            errors.append(
                f"profile {key}: {attribute} is also set by {origin[attribute]} to {desired[attribute]!r}"
            )
            continue
        desired[attribute] = wanted
        origin[attribute] = f"profile {key}"
    for attribute, wanted in (extra or {}).items():
        if attribute not in current:
            errors.append(f"bios_extra_attributes.{attribute}: the BMC lists no such BIOS attribute")
            continue
        desired[attribute] = wanted
        origin[attribute] = "bios_extra_attributes"
    changes = {
        attribute: {
            "current": current.get(attribute),
            "pending": (pending or {}).get(attribute),
            "wanted": wanted,
            "by": origin[attribute],
        }
        for attribute, wanted in sorted(desired.items())
        if effective.get(attribute) != wanted
    }
    awaiting_reboot = sorted(
        a for a, wanted in desired.items() if current.get(a) != wanted and effective.get(a) == wanted
    )
    return {
        "desired": desired,
        "changes": changes,
        "to_set": {a: c["wanted"] for a, c in changes.items()},
        "awaiting_reboot": awaiting_reboot,
        "notes": notes,
        "errors": errors,
    }


def diff_lines(result: Mapping[str, Any]) -> list[str]:
    """Human lines for the changes: ``ProcTurboMode: Enabled -> Disabled (profile turbo)``."""
    lines = []
    for attribute, change in result["changes"].items():
        now = change["current"]
        if change["pending"] is not None and change["pending"] != now:
            now = f"{now} (pending {change['pending']})"
        lines.append(f"{attribute}: {now} -> {change['wanted']} ({change['by']})")
    return lines


def _ansible(fn: Any) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from ansible.errors import AnsibleFilterError

        try:
            return fn(*args, **kwargs)
        except BiosError as error:
            raise AnsibleFilterError(f"bios: {error}") from None

    wrapper.__name__ = fn.__name__
    return wrapper


class FilterModule:
    """hayate_bios_vendor, hayate_bios_plan, hayate_bios_diff_lines."""

    def filters(self) -> dict[str, Any]:
        return {
            "hayate_bios_vendor": _ansible(vendor),
            "hayate_bios_plan": _ansible(plan),
            "hayate_bios_diff_lines": _ansible(diff_lines),
        }
