"""Cleanup plans: a reviewed, never-executed script of provider CLI commands for chosen findings.

cloudwaste never deletes anything: it writes text for a person to read. The ``sh`` plan is built so
that running it *as generated* changes nothing:

- every ``aws ec2`` command carries ``--dry-run`` (EC2 then only checks permissions and answers
  ``DryRunOperation``);
- every command of a CLI without a dry-run mode (``aws elbv2``, ``aws elb``, ``aws rds``, ``az``) is
  commented out, to be uncommented after review;
- each resource is one ``&&`` chain, so where data could be lost a backup (EBS snapshot, AMI, RDS
  snapshot, Azure snapshot) is taken and *waited for* before the delete, and any failing step stops
  the rest of its chain. With ``--dry-run`` left in, a chain stops at its first command.

Every argument is shell-quoted (:func:`shlex.quote`) and every comment is one line of printable text,
so an id, name or tag from the cloud (``'; rm -rf / #``) can never become shell code.

The ``terraform`` plan is honest about what cloudwaste cannot know (the user's code): per resource,
``terraform state list -id=ID`` finds its address if Terraform manages it, with the two correct ways
to act on it (delete the block, or a ``removed`` block / ``terraform state rm`` to forget it).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from cloudwaste import __version__
from cloudwaste.model import CostKind, Finding, Scan, Status
from cloudwaste.reports import clean, cost_text

# Check classes that propose a change (resize, retype, schedule), not a deletion.
CHANGE_CLASSES = ("oversized", "legacy", "commitment")
NO_DRY_RUN = ("aws elbv2", "aws elb", "aws rds", "az")
_AWS_LB_TYPES = (
    "application_load_balancer",
    "network_load_balancer",
    "gateway_load_balancer",
    "load_balancer",
)
_ARM_ID = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/(?P<ns>[^/]+)/(?P<type>[^/]+)/(?P<name>[^/]+)$",
    re.IGNORECASE,
)
_AZ_DELETE = {
    "disk_snapshot": ("az", "snapshot", "delete"),
    "public_ip": ("az", "network", "public-ip", "delete"),
    "load_balancer": ("az", "network", "lb", "delete"),
    "application_gateway": ("az", "network", "application-gateway", "delete"),
    "nat_gateway": ("az", "network", "nat", "gateway", "delete"),
    "availability_set": ("az", "vm", "availability-set", "delete"),
    "virtual_network": ("az", "network", "vnet", "delete"),
    "subnet": ("az", "network", "vnet", "subnet", "delete"),
    "ddos_protection_plan": ("az", "network", "ddos-protection", "delete"),
    "ip_group": ("az", "network", "ip-group", "delete"),
    "virtual_network_gateway": ("az", "network", "vnet-gateway", "delete"),
    "frontdoor_waf_policy": ("az", "network", "front-door", "waf-policy", "delete"),
}
TERRAFORM_TYPES = {
    ("aws", "ebs_volume"): "aws_ebs_volume",
    ("aws", "ebs_snapshot"): "aws_ebs_snapshot",
    ("aws", "ami"): "aws_ami",
    ("aws", "ec2_instance"): "aws_instance",
    ("aws", "elastic_ip"): "aws_eip",
    ("aws", "nat_gateway"): "aws_nat_gateway",
    ("aws", "application_load_balancer"): "aws_lb",
    ("aws", "network_load_balancer"): "aws_lb",
    ("aws", "gateway_load_balancer"): "aws_lb",
    ("aws", "load_balancer"): "aws_lb",
    ("aws", "classic_load_balancer"): "aws_elb",
    ("aws", "rds_instance"): "aws_db_instance",
    ("azure", "managed_disk"): "azurerm_managed_disk",
    ("azure", "disk_snapshot"): "azurerm_snapshot",
    ("azure", "public_ip"): "azurerm_public_ip",
    ("azure", "load_balancer"): "azurerm_lb",
    ("azure", "application_gateway"): "azurerm_application_gateway",
    ("azure", "nat_gateway"): "azurerm_nat_gateway",
    ("azure", "virtual_machine"): "azurerm_linux_virtual_machine or azurerm_windows_virtual_machine",
    ("azure", "availability_set"): "azurerm_availability_set",
    ("azure", "virtual_network"): "azurerm_virtual_network",
    ("azure", "subnet"): "azurerm_subnet",
}


@dataclass(frozen=True)
class Var:
    """A shell variable set by an earlier step of the same chain (rendered ``"$name"``)."""

    name: str


Arg = str | Var


@dataclass(frozen=True)
class Step:
    """One command of a chain; ``capture`` stores its output in a shell variable."""

    argv: tuple[Arg, ...]
    capture: str | None = None

    @property
    def dry_run_capable(self) -> bool:
        """Whether the CLI has a dry-run mode for it (only ``aws ec2``)."""
        return self.argv[:2] == ("aws", "ec2")

    def render(self) -> str:
        """The command line, every literal argument shell-quoted."""
        text = " ".join(f'"${a.name}"' if isinstance(a, Var) else shlex.quote(a) for a in self.argv)
        return f"{self.capture}=$({text})" if self.capture else text


@dataclass
class Recipe:
    """What the plan proposes for one finding: a chain of steps, notes, or why there is none."""

    finding: Finding
    steps: list[Step] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: str | None = None
    change: bool = False  # the check proposes a change (resize, retype), not a deletion
    also: list[Finding] = field(default_factory=list)  # other findings on the same resource

    @property
    def commented_out(self) -> bool:
        """True when any step's CLI has no dry-run: then the whole chain is commented out."""
        return any(not s.dry_run_capable for s in self.steps)


def comment(text: str) -> str:
    """One safe comment line: newlines and control characters of cloud strings neutralized."""
    return "# " + clean(text)


def _ec2(*args: Arg) -> tuple[Arg, ...]:
    return ("aws", "ec2", *args, "--dry-run")


def _name_part(text: str, limit: int) -> str:
    """Characters every backup name accepts (letters, digits, '-'), at most ``limit``."""
    return re.sub(r"[^A-Za-z0-9-]+", "-", text).strip("-")[:limit] or "resource"


def _aws_recipe(r: Recipe, n: int, day: str) -> None:
    f = r.finding
    res, region = f.resource, f.region
    rid = res.id
    if res.type == "ebs_volume":
        snap = f"snap{n}"
        r.steps.append(
            Step(
                _ec2(
                    "create-snapshot",
                    "--region",
                    region,
                    "--volume-id",
                    rid,
                    "--description",
                    f"cloudwaste: copy of {rid} before deletion"[:255],
                    "--query",
                    "SnapshotId",
                    "--output",
                    "text",
                ),
                capture=snap,
            )
        )
        if f.evidence.get("state") not in (None, "available"):
            r.steps.append(Step(_ec2("detach-volume", "--region", region, "--volume-id", rid)))
            r.steps.append(
                Step(("aws", "ec2", "wait", "volume-available", "--region", region, "--volume-ids", rid))
            )
            r.notes.append("the volume is attached: it is detached after the snapshot starts")
        r.steps.append(
            Step(
                ("aws", "ec2", "wait", "snapshot-completed", "--region", region, "--snapshot-ids", Var(snap))
            )
        )
        r.steps.append(Step(_ec2("delete-volume", "--region", region, "--volume-id", rid)))
        r.notes.append("the waiter gives up after 10 minutes (a large first snapshot takes longer): rerun it")
    elif res.type == "ebs_snapshot":
        r.steps.append(Step(_ec2("delete-snapshot", "--region", region, "--snapshot-id", rid)))
        r.notes.append("a deleted snapshot cannot be restored (unless a Recycle Bin retention rule keeps it)")
    elif res.type == "ami":
        r.steps.append(Step(_ec2("deregister-image", "--region", region, "--image-id", rid)))
        for sid in [str(s) for s in f.evidence.get("snapshot_ids") or []]:
            r.steps.append(Step(_ec2("delete-snapshot", "--region", region, "--snapshot-id", sid)))
        r.notes.append(
            "the AMI is its own backup: keep its snapshots (drop their lines) if it may be needed again"
        )
    elif res.type == "ec2_instance":
        ami = f"ami{n}"
        r.steps.append(
            Step(
                _ec2(
                    "create-image",
                    "--region",
                    region,
                    "--instance-id",
                    rid,
                    "--name",
                    f"cloudwaste-{_name_part(rid, 90)}-{day}",
                    "--description",
                    f"cloudwaste: image of {rid} before termination"[:255],
                    "--query",
                    "ImageId",
                    "--output",
                    "text",
                ),
                capture=ami,
            )
        )
        r.steps.append(
            Step(("aws", "ec2", "wait", "image-available", "--region", region, "--image-ids", Var(ami)))
        )
        r.steps.append(Step(_ec2("terminate-instances", "--region", region, "--instance-ids", rid)))
        r.notes.append(
            "create-image reboots a running instance for a consistent image; volumes with "
            "DeleteOnTermination are deleted with it (the AMI keeps their snapshots)"
        )
    elif res.type in ("elastic_ip", "public_ipv4"):
        allocation = f.evidence.get("allocation_id") or (rid if rid.startswith("eipalloc-") else None)
        if not allocation:
            r.skipped = "an auto-assigned public IPv4 address, not an Elastic IP: nothing to release"
            return
        association = f.evidence.get("association_id")
        if association:
            r.steps.append(
                Step(_ec2("disassociate-address", "--region", region, "--association-id", str(association)))
            )
        r.steps.append(Step(_ec2("release-address", "--region", region, "--allocation-id", str(allocation))))
        r.notes.append(
            "releasing is irreversible (the address cannot be had back): check no DNS record or allow-list"
            " uses it"
        )
    elif res.type == "nat_gateway":
        r.steps.append(Step(_ec2("delete-nat-gateway", "--region", region, "--nat-gateway-id", rid)))
        r.notes.append(
            "remove the routes that point at it first; its Elastic IPs stay allocated (and billed) until"
            " released"
        )
    elif res.type in _AWS_LB_TYPES:
        arn = res.arn or (rid if rid.startswith("arn:") else None)
        if not arn:
            r.skipped = "no load balancer ARN recorded"
            return
        r.steps.append(
            Step(("aws", "elbv2", "delete-load-balancer", "--region", region, "--load-balancer-arn", arn))
        )
        r.notes.append("its target groups are not deleted with it (aws elbv2 delete-target-group)")
    elif res.type == "classic_load_balancer":
        r.steps.append(
            Step(("aws", "elb", "delete-load-balancer", "--region", region, "--load-balancer-name", rid))
        )
    elif res.type in ("rds_instance", "db_instance"):
        final = f"cloudwaste-{_name_part(rid, 200)}-{day}"
        r.steps.append(
            Step(
                (
                    "aws",
                    "rds",
                    "create-db-snapshot",
                    "--region",
                    region,
                    "--db-instance-identifier",
                    rid,
                    "--db-snapshot-identifier",
                    final,
                )
            )
        )
        r.steps.append(
            Step(
                (
                    "aws",
                    "rds",
                    "wait",
                    "db-snapshot-available",
                    "--region",
                    region,
                    "--db-snapshot-identifier",
                    final,
                )
            )
        )
        r.steps.append(
            Step(
                (
                    "aws",
                    "rds",
                    "delete-db-instance",
                    "--region",
                    region,
                    "--db-instance-identifier",
                    rid,
                    "--skip-final-snapshot",
                )
            )
        )
    else:
        r.skipped = f"no cleanup command known for AWS resource type {res.type}"


def _azure_recipe(r: Recipe, n: int, day: str) -> None:
    f = r.finding
    res = f.resource
    rid = res.id
    if res.type == "managed_disk":
        m = _ARM_ID.match(rid)
        if m is None:
            r.skipped = "the disk id is not an Azure resource id"
            return
        name = f"{_name_part(m['name'], 50)}-cloudwaste-{day}"
        r.steps.append(
            Step(
                (
                    "az",
                    "snapshot",
                    "create",
                    "--subscription",
                    m["sub"],
                    "--resource-group",
                    m["rg"],
                    "--name",
                    name,
                    "--source",
                    rid,
                    "--incremental",
                    "true",
                )
            )
        )
        r.steps.append(Step(("az", "disk", "delete", "--ids", rid, "--yes")))
        owner = f.evidence.get("managed_by") or f.evidence.get("vm")
        if owner or f.evidence.get("disk_state") in ("Attached", "Reserved"):
            r.notes.append(
                f"the disk is attached{f' to {owner}' if owner else ''}: detach it first "
                "(az vm disk detach), or az disk delete fails"
            )
    elif res.type == "virtual_machine":
        r.steps.append(Step(("az", "vm", "delete", "--ids", rid, "--yes")))
        r.notes.append(
            "az vm delete keeps the OS and data disks and NICs unless the VM was created with "
            "deleteOption=Delete: check them, snapshot what matters, then delete them"
        )
    elif res.type in _AZ_DELETE:
        r.steps.append(Step((*_AZ_DELETE[res.type], "--ids", rid)))
    else:
        r.skipped = f"no cleanup command known for Azure resource type {res.type}"


def recipe(finding: Finding, n: int, klass: str | None, now: datetime) -> Recipe:
    """The proposal for one finding (``n`` numbers its shell variables)."""
    change = (klass in CHANGE_CLASSES) or finding.monthly_cost.kind == CostKind.SAVING
    r = Recipe(finding, change=change)
    if change and finding.status != Status.MARKED_FOR_DELETION:
        r.skipped = "this check proposes a change, not a deletion: see `cloudwaste findings show`"
        return r
    if change:
        r.notes.append("this check proposes a change, not a deletion; the deletion below is what you marked")
    day = now.strftime("%Y%m%d")
    if finding.provider == "aws":
        _aws_recipe(r, n, day)
    elif finding.provider == "azure":
        _azure_recipe(r, n, day)
    else:
        r.skipped = f"no cleanup commands for provider {finding.provider}"
    if any(isinstance(a, str) and not _printable(a) for step in r.steps for a in step.argv):
        r.steps = []  # a newline in a quoted argument could escape a commented-out line
        r.skipped = "an identifier holds control characters (newline, escape...): not written into commands"
    return r


def _printable(text: str) -> bool:
    return all(ch.isprintable() for ch in text)


def plan_recipes(findings: Sequence[Finding], klasses: Mapping[str, str], now: datetime) -> list[Recipe]:
    """One recipe per resource: several findings on one resource share one chain.

    The chain comes from the first finding whose check proposes a deletion (else the first that has
    commands); the other findings are listed with it.
    """
    groups: dict[tuple[str, str, str, str], list[Finding]] = {}
    for f in findings:
        groups.setdefault((f.provider, f.account, f.region, f.resource.id), []).append(f)
    out: list[Recipe] = []
    for n, group in enumerate(groups.values(), start=1):
        options = [recipe(f, n, klasses.get(f.check_id), now) for f in group]
        best = next(
            (r for r in options if r.steps and not r.change),
            next((r for r in options if r.steps), options[0]),
        )
        best.also = [r.finding for r in options if r is not best]
        out.append(best)
    return out


def _describe(f: Finding) -> list[str]:
    res = f.resource
    name = f" ({res.name})" if res.name and res.name != res.id else ""
    lines = [
        comment(
            f"{f.check_id}: {res.type} {res.id}{name} in {f.account}/{f.region},"
            f" {cost_text(f.monthly_cost)}/month"
        ),
        comment(
            f"fingerprint {f.fingerprint}; {f.status.value}"
            + (f": {f.status_reason}" if f.status_reason else "")
        ),
    ]
    return lines


def render_sh(
    scan: Scan, findings: Sequence[Finding], klasses: Mapping[str, str], now: datetime, status: str
) -> str:
    """The ``sh`` plan (see the module docstring for why running it as generated changes nothing)."""
    recipes = plan_recipes(findings, klasses, now)
    out = [
        "#!/bin/sh",
        comment(
            f"cloudwaste cleanup plan for scan {scan.id} ({scan.started_at:%Y-%m-%d %H:%M} UTC): "
            f"{len(findings)} findings with status {status}"
        ),
        comment(f"written {now:%Y-%m-%d %H:%M} UTC by cloudwaste {__version__}"),
        "#",
        "# REVIEW EVERY LINE BEFORE RUNNING ANY OF IT. Nothing runs this file automatically, and cloudwaste",
        "# itself never deletes anything. The resources may have changed since the scan.",
        "#",
        "# Running this file as written changes nothing:",
        "#  - every `aws ec2` command has --dry-run (EC2 only checks your permissions and answers",
        "#    DryRunOperation). Remove --dry-run from a chain once you have reviewed it.",
        f"#  - {', '.join(NO_DRY_RUN)} have no dry-run mode: their commands are commented out; uncomment",
        "#    a chain once you have reviewed it.",
        "#  - each resource is one chain joined by &&: where data could be lost, a backup (snapshot or",
        "#    image) is taken and waited for before the delete, and a failing step stops its chain. With",
        "#    --dry-run in place a chain stops after its first command.",
        "",
        "set -u",
        "",
    ]
    for i, r in enumerate(recipes, start=1):
        out.append(comment(f"[{i}/{len(recipes)}]"))
        out.extend(_describe(r.finding))
        out.extend(comment(f"also: {o.check_id} ({o.fingerprint})") for o in r.also)
        out.extend(comment(n) for n in r.notes)
        if r.skipped or not r.steps:
            out.append(comment(f"skipped: {r.skipped or 'nothing to do'}"))
            out.append("")
            continue
        prefix = "# " if r.commented_out else ""
        if r.commented_out:
            out.append(comment("no dry-run for this CLI: uncomment after review"))
        for j, step in enumerate(r.steps):
            tail = " &&" if j < len(r.steps) - 1 else ""
            indent = "" if j == 0 else "  "
            out.append(f"{prefix}{indent}{step.render()}{tail}")
        out.append("")
    skipped = sum(1 for r in recipes if r.skipped)
    out.append(comment(f"end of plan: {len(recipes) - skipped} chains, {skipped} skipped"))
    return "\n".join(out) + "\n"


def render_terraform(
    scan: Scan, findings: Sequence[Finding], klasses: Mapping[str, str], now: datetime, status: str
) -> str:
    """The ``terraform`` plan: only comments (a valid, inert .tf file) that say how to act per resource."""
    out = [
        comment(
            f"cloudwaste cleanup plan (Terraform) for scan {scan.id}: {len(findings)} findings"
            f" with status {status}"
        ),
        comment(
            f"written {now:%Y-%m-%d %H:%M} UTC by cloudwaste {__version__}; nothing here runs or changes"
            " anything"
        ),
        "#",
        "# cloudwaste cannot see your Terraform code, so it cannot write the blocks for you. For each",
        "# resource below:",
        "#  1. Find whether this state manages it:   terraform state list -id=<id>   (in each workspace)",
        "#  2. If that prints an address, delete the resource's block from your code, then",
        "#     terraform plan (check it destroys only what you expect) and terraform apply.",
        "#     To stop managing it WITHOUT destroying it, use a removed block (Terraform >= 1.7):",
        "#       removed {",
        "#         from = <address>",
        "#         lifecycle {",
        "#           destroy = false",
        "#         }",
        "#       }",
        "#     or run: terraform state rm <address>",
        "#  3. If it prints nothing, Terraform does not manage it here: see cloudwaste plan --format sh.",
        "#",
        "# terraform state rm candidates (the likely resource type is a guess from the cloud type):",
        "",
    ]
    for r in plan_recipes(findings, klasses, now):
        f = r.finding
        tf_type = TERRAFORM_TYPES.get((f.provider, f.resource.type), "unknown")
        ident = f.resource.id
        if f.provider == "aws" and f.resource.type in _AWS_LB_TYPES and f.resource.arn:
            ident = f.resource.arn  # aws_lb's id is its ARN
        if f.provider == "aws" and f.resource.type in ("elastic_ip", "public_ipv4"):
            ident = str(f.evidence.get("allocation_id") or ident)  # aws_eip's id is the allocation id
        out.extend(_describe(f))
        out.extend(comment(f"also: {o.check_id} ({o.fingerprint})") for o in r.also)
        out.append(comment(f"likely Terraform type: {tf_type}"))
        if r.skipped:
            out.append(comment(f"note: {r.skipped}"))
        out.append(comment(f"terraform state list -id={shlex.quote(ident)}"))
        out.append("")
    return "\n".join(out) + "\n"
