"""Campaigns: an audience drafted in batches, reviewed, edited, approved or rejected.

Drafting runs in batches of customers (one set of warehouse reads per batch) with a bounded
number of emails written at once (``CYMBAL_CAMPAIGN_DRAFT_CONCURRENCY``), saving each batch
as it finishes and reporting progress, so a long campaign can be watched and an interrupted
one keeps what was drafted. Edits re-draft and re-validate; an edited email needs approving
again. Approvals and rejections record who made them (``actor``); the app approves in two
steps, a code for exactly the emails shown (every valid draft, or the one a marketer picked),
then that code typed back (``request_approval``, ``approve_confirmed``). Sending and
exporting live in ``tools.campaigns.delivery``.

Before drafting, the contact policy (``tools.campaigns.eligibility``) rules customers out and
a holdout (``tools.campaigns.holdout``) is kept back; both are recorded with the campaign and
neither is ever drafted. ``plan_campaign`` is the dry run a marketer confirms first (the
audience, the exclusions by reason, the holdout, the emails it would draft);
``create_planned_campaign`` drafts exactly that audience, or refuses if it changed since.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from config.settings import Settings, get_settings
from tools.campaigns.audience import AudienceSpec, resolve_audience
from tools.campaigns.audience_terms import chat_terms, find_terms
from tools.campaigns.eligibility import Eligibility, check_eligibility
from tools.campaigns.holdout import draw_holdout, holdout_sizes, segments_of
from tools.campaigns.store import EDITABLE, Campaign, CampaignStore
from tools.email.context import ContextSources, load_contexts, load_sources
from tools.email.drafts import Drafter, DraftRequest
from tools.email.policy import OfferPolicy, PolicyError, choose_offer

logger = logging.getLogger(__name__)
BATCH = 100
Progress = Callable[[int, int], None]
_PERCENT = re.compile(r"(\d{1,3})\s*(?:%|퍼센트|percent)", re.IGNORECASE)
_WON = re.compile(r"(?:₩\s?([\d,]+))|([\d,]+)\s*(?:원|won)", re.IGNORECASE)
_POINTS = re.compile(r"([\d,]+)\s*(?:bonus\s+)?(?:points|pts|포인트|점)", re.IGNORECASE)


class CampaignError(ValueError):
    """A campaign request that cannot be carried out; the message says why."""


@lru_cache(maxsize=4)
def _store_at(path: Path) -> CampaignStore:
    return CampaignStore(path)


def campaign_store(settings: Settings | None = None) -> CampaignStore:
    """The app database of the configured data folder."""
    return _store_at((settings or get_settings()).app_db_path)


def resolve_campaign(campaign_id: int | None, store: CampaignStore) -> Campaign:
    """The campaign with ``campaign_id``; 0 or None means the latest."""
    wanted = campaign_id or store.latest_campaign_id()
    campaign = store.campaign(int(wanted)) if wanted else None
    if campaign is None:
        raise CampaignError("There is no campaign yet; create one first." if not wanted
                            else f"There is no campaign {wanted}.")
    return campaign


def check_request(request: DraftRequest, settings: Settings) -> None:
    """Refuse a bad language, tone or an offer beyond the policy before any drafting."""
    problems = request.problems()
    if problems:
        raise CampaignError("; ".join(problems) + ".")
    try:
        choose_offer(OfferPolicy.from_settings(settings), 0, None,
                     offer_type=request.offer_type, percent=request.percent,
                     amount_won=request.amount_won, points=request.points)
    except PolicyError as err:
        raise CampaignError(str(err)) from None


@dataclass
class AudiencePlan:
    """A dry run: what drafting this audience would do. Nothing is drafted or stored but the
    plan itself, which ``create_planned_campaign`` takes once the marketer confirms."""

    plan_id: int
    description: str
    audience: int  # customers the description selects
    excluded: dict[str, int]  # by reason (eligibility.REASONS)
    consent_checked: bool
    holdout: int
    emails: int  # drafted, and sent once approved
    send_minutes: float  # at CYMBAL_SMTP_SEND_RATE_PER_S
    notes: list[str]


def _audience_fingerprint(ids: list[int]) -> str:
    return hashlib.sha256(",".join(map(str, sorted(ids))).encode()).hexdigest()


def _holdout_note(eligible: int, held: int, settings: Settings) -> str:
    if held:
        return (f"{held:,} of the {eligible:,} customers who can be emailed are held out "
                f"({settings.campaign_holdout_share:.0%}, drawn at random within segments) "
                "and get no email, to measure the campaign.")
    return (f"No holdout: {eligible:,} customer(s) who can be emailed is below "
            f"{settings.campaign_holdout_min_audience:,} (CYMBAL_CAMPAIGN_HOLDOUT_MIN_AUDIENCE), "
            "so this campaign's effect cannot be measured.")


def plan_campaign(spec: AudienceSpec, request: DraftRequest, name: str = "",
                  settings: Settings | None = None, *, actor: str) -> AudiencePlan:
    """The dry run: resolve the audience, apply the contact policy, size the holdout and
    store the plan for the marketer to confirm."""
    settings = settings or get_settings()
    check_request(request, settings)
    ids = resolve_audience(spec, settings.campaign_max_audience)
    store = campaign_store(settings)
    eligibility = check_eligibility(ids, store, settings)
    held = sum(holdout_sizes(segments_of(eligibility.eligible),
                             settings.campaign_holdout_share,
                             settings.campaign_holdout_min_audience).values())
    emails = len(eligibility.eligible) - held
    notes = [*eligibility.notes, _holdout_note(len(eligibility.eligible), held, settings)]
    summary = {"audience": len(ids), "excluded": eligibility.counts(), "holdout": held,
               "emails": emails}
    plan_id = store.save_plan(spec.as_dict(), {"language": request.language,
                                               "tone": request.tone, **request.as_dict()},
                              name, _audience_fingerprint(ids), summary, actor)
    return AudiencePlan(plan_id=plan_id, description=spec.describe(request.language),
                        audience=len(ids),
                        excluded=eligibility.counts(),
                        consent_checked=eligibility.consent_checked, holdout=held,
                        emails=emails,
                        send_minutes=round(emails / settings.smtp_send_rate_per_s / 60, 1),
                        notes=notes)


async def create_planned_campaign(plan_id: int, settings: Settings | None = None,
                                  progress: Progress | None = None, *,
                                  actor: str) -> Campaign:
    """Draft the audience of a confirmed dry run; refused if it was drafted already or the
    audience changed since (then run the dry run again)."""
    settings = settings or get_settings()
    store = campaign_store(settings)
    plan = store.plan(int(plan_id))
    if plan is None:
        raise CampaignError(f"There is no dry run {plan_id}; run one first.")
    if plan.campaign_id is not None:
        raise CampaignError(f"Dry run {plan.id} was already drafted as campaign "
                            f"{plan.campaign_id}.")
    spec = AudienceSpec(**plan.spec)
    ids = resolve_audience(spec, settings.campaign_max_audience)
    if _audience_fingerprint(ids) != plan.fingerprint:
        raise CampaignError(f"The audience changed since dry run {plan.id} "
                            f"({plan.summary['audience']:,} customers then, {len(ids):,} now); "
                            "run the dry run again and confirm the new figures.")
    return await _create(spec, DraftRequest(**plan.request), plan.name, ids, settings,
                         progress, actor=actor, plan_id=plan.id)


async def create_campaign(spec: AudienceSpec, request: DraftRequest, name: str = "",
                          settings: Settings | None = None,
                          progress: Progress | None = None, *, actor: str = "") -> Campaign:
    """Resolve the audience, store a campaign and draft an email for every customer the
    contact policy allows, except the holdout."""
    settings = settings or get_settings()
    check_request(request, settings)
    ids = resolve_audience(spec, settings.campaign_max_audience)
    return await _create(spec, request, name, ids, settings, progress, actor=actor)


async def _create(spec: AudienceSpec, request: DraftRequest, name: str, ids: list[int],
                  settings: Settings, progress: Progress | None, *, actor: str,
                  plan_id: int | None = None) -> Campaign:
    store = campaign_store(settings)
    eligibility = check_eligibility(ids, store, settings)
    if not eligibility.eligible:
        raise CampaignError(_nobody(eligibility, len(ids)))
    sources = load_sources(request.language, settings)
    campaign_id = store.create_campaign(
        name=name.strip() or _default_name(spec, request.language),
        audience=spec.describe(request.language),
        audience_spec=spec.as_dict(), language=request.language, tone=request.tone,
        offer_request=request.as_dict(), total=len(eligibility.eligible), notes=sources.notes)
    if plan_id is not None and not store.use_plan(plan_id, campaign_id):
        store.update_campaign(campaign_id, state="cancelled", total=0)
        raise CampaignError(f"Dry run {plan_id} was drafted by someone else meanwhile.")
    held = draw_holdout(segments_of(eligibility.eligible), campaign_id,
                        settings.campaign_holdout_share, settings.campaign_holdout_min_audience)
    treated = [i for i in eligibility.eligible if i not in held]
    store.record_audience(campaign_id, [
        *((e.customer_id, "excluded", e.reason, "") for e in eligibility.exclusions),
        *((i, "holdout", "", held[i]) for i in sorted(held)),
        *((i, "treated", "", "") for i in treated)], actor)
    store.update_campaign(campaign_id, total=len(treated))
    missing = await _draft_batches(store, campaign_id, treated, lambda _: request, sources,
                                   settings, progress)
    notes = [f"{len(ids):,} customer(s) in the audience; {eligibility.describe()} by the "
             "contact policy.", *eligibility.notes,
             _holdout_note(len(eligibility.eligible), len(held), settings), *sources.notes]
    if missing:
        notes.append(f"{len(missing)} customer(s) disappeared from the warehouse while "
                     "drafting and were left out.")
    store.update_campaign(campaign_id, state="ready", notes=notes)
    campaign = resolve_campaign(campaign_id, store)
    logger.info("campaign %s drafted: %d emails, %d failed the checks, %d held out, %s",
                campaign_id, campaign.total, campaign.counts["invalid"], len(held),
                eligibility.describe())
    return campaign


def _nobody(eligibility: Eligibility, audience: int) -> str:
    if audience == 1:
        reason = eligibility.exclusions[0].reason.replace("_", " ")
        return (f"Customer {eligibility.exclusions[0].customer_id} cannot be emailed: "
                f"{reason} (the contact policy).")
    return (f"No one of the {audience:,} customers can be emailed: "
            f"{eligibility.describe()} by the contact policy.")


def exclude_ineligible(store: CampaignStore, campaign_id: int, emails: list[dict[str, Any]],
                       settings: Settings, actor: str = "") -> tuple[list[dict[str, Any]],
                                                                      dict[str, int]]:
    """Apply the contact policy to stored emails again: the ruled-out ones become
    ``excluded``. Returns the emails still allowed and the exclusions by reason."""
    if not emails:
        return [], {}
    eligibility = check_eligibility([e["customer_id"] for e in emails], store, settings,
                                    {e["customer_id"]: e["to_email"] for e in emails})
    if eligibility.exclusions:
        store.exclude(campaign_id, [(e.customer_id, e.reason) for e in eligibility.exclusions],
                      actor)
    allowed = set(eligibility.eligible)
    return [e for e in emails if e["customer_id"] in allowed], eligibility.counts()


async def _draft_batches(store: CampaignStore, campaign_id: int, ids: list[int],
                         request_for: Callable[[int], DraftRequest], sources: ContextSources,
                         settings: Settings, progress: Progress | None) -> list[int]:
    """Draft ``ids`` batch by batch into the store; returns ids with no customer row."""
    drafter = Drafter(settings, sources, key=f"campaign-{campaign_id}")
    limit = asyncio.Semaphore(settings.campaign_draft_concurrency)
    missing: list[int] = []
    done = 0

    async def one(context: Any) -> dict[str, Any]:
        async with limit:
            return (await drafter.draft(context, request_for(context.customer_id))).record()

    by_language = {sources.language: sources}
    for start in range(0, len(ids), BATCH):
        part = ids[start:start + BATCH]
        contexts = {}
        for language in sorted({request_for(i).language for i in part}):
            if language not in by_language:
                by_language[language] = load_sources(language, settings, sources.catalog)
            wanted = [i for i in part if request_for(i).language == language]
            contexts.update(load_contexts(wanted, language, settings, by_language[language]))
        missing += [i for i in part if i not in contexts]
        drafts = await asyncio.gather(*(one(contexts[i]) for i in part if i in contexts))
        store.save_drafts(campaign_id, list(drafts))
        done += len(part)
        store.update_campaign(campaign_id, drafted=done)
        if progress is not None:
            progress(done, len(ids))
    return missing


def _default_name(spec: AudienceSpec, language: str = "en") -> str:
    """A name for a campaign the marketer did not name, in the campaign's language."""
    one = spec.customer_ids[0] if spec.customer_ids and len(spec.customer_ids) == 1 else None
    if language == "ko":
        return f"고객 {one}님께 보내는 이메일" if one else f"윈백: {spec.describe('ko')}"[:120]
    return f"Email to customer {one}" if one else f"Win-back: {spec.label()}"[:120]


def parse_edit(instruction: str) -> dict[str, Any]:
    """Changes asked for in words: tone, language and offer ("make it warmer", "offer free
    shipping instead", "write it in Korean", "15% off")."""
    terms = chat_terms()["edits"]
    text = f" {instruction.lower()} "
    changes: dict[str, Any] = {}
    for name in ("tone", "language", "offer_type"):
        found, text = find_terms(text, terms[name])
        if found:
            changes[name] = found[0]
    percent = _PERCENT.search(instruction)
    won = _WON.search(instruction)
    points = _POINTS.search(instruction)
    if percent:
        changes.update(offer_type="percent_off", percent=int(percent.group(1)))
    elif changes.get("offer_type") == "loyalty_points" and points:
        changes["points"] = int(points.group(1).replace(",", ""))
    elif won and changes.get("offer_type") in (None, "fixed_amount_off"):
        changes.update(offer_type="fixed_amount_off",
                       amount_won=int((won.group(1) or won.group(2)).replace(",", "")))
    return changes


def _request(base: DraftRequest, changes: dict[str, Any]) -> DraftRequest:
    offer_fields = ("offer_type", "percent", "amount_won", "points")
    updated = {k: v for k, v in changes.items() if k in ("language", "tone") and v}
    if changes.get("offer_type"):
        updated.update({k: changes.get(k) for k in offer_fields})
    return replace(base, **updated)


async def edit_campaign(campaign_id: int, changes: dict[str, Any],
                        customer_ids: list[int] | None = None,
                        settings: Settings | None = None,
                        progress: Progress | None = None) -> tuple[Campaign, list[int]]:
    """Re-draft (and re-validate) the campaign's editable emails — all of them, or only
    ``customer_ids`` — with ``changes`` applied. Returns the campaign and re-drafted ids."""
    settings = settings or get_settings()
    store = campaign_store(settings)
    campaign = resolve_campaign(campaign_id, store)
    if not any(changes.get(k) for k in ("tone", "language", "offer_type")):
        raise CampaignError("Say what to change: the tone (warmer, friendlier, more formal, "
                            "shorter), the language (English or Korean) or the offer "
                            "(free shipping, 15% off, ₩10,000 off, 3,000 points).")
    base = DraftRequest(language=campaign.language, tone=campaign.tone,
                        **campaign.offer_request)
    campaign_request = _request(base, changes)
    check_request(campaign_request, settings)
    emails, excluded = exclude_ineligible(
        store, campaign.id, store.emails(campaign.id, statuses=EDITABLE,
                                         customer_ids=customer_ids), settings)
    if not emails:
        raise CampaignError("No editable emails matched (sent, exported, excluded and "
                            "in-flight emails cannot be changed)" + (
                                f"; the contact policy just excluded {sum(excluded.values())}"
                                if excluded else "") + ".")
    requests = {e["customer_id"]: _request(
        replace(base, language=e["language"], tone=e["tone"]), changes)
        if customer_ids is not None else campaign_request for e in emails}
    for request in set(requests.values()):
        check_request(request, settings)
    first = next(iter(requests.values()))
    sources = load_sources(first.language, settings)
    ids = sorted(requests)
    await _draft_batches(store, campaign.id, ids, lambda i: requests[i], sources, settings,
                         progress)
    if customer_ids is None:
        store.update_campaign(campaign.id, language=campaign_request.language,
                              tone=campaign_request.tone,
                              offer_request=campaign_request.as_dict())
    return resolve_campaign(campaign.id, store), ids


# the statuses an email a person names can be approved or rejected from (approving every
# valid email at once takes drafts only)
APPROVABLE = ("draft", "rejected", "failed", "uncertain")
REJECTABLE = ("draft", "approved", "failed", "uncertain")


def _approve_from(customer_ids: list[int] | None) -> tuple[str, ...]:
    """The statuses approving moves from: every draft, or — for emails a person names — also
    rejected, failed and uncertain ones (a person decides again)."""
    return ("draft",) if customer_ids is None else APPROVABLE


def approve(campaign_id: int, customer_ids: list[int] | None = None,
            settings: Settings | None = None, *,
            actor: str) -> tuple[Campaign, list[int], list[int]]:
    """Approve valid emails: the listed ones, or every valid draft. Returns the campaign, the
    approved ids and the listed ids that could not be approved (invalid or not drafts)."""
    store = campaign_store(settings)
    campaign = resolve_campaign(campaign_id, store)
    moved = _approve(store, campaign.id, customer_ids, _approve_from(customer_ids), actor)
    refused = sorted(set(customer_ids or []) - set(moved))
    return resolve_campaign(campaign.id, store), moved, refused


def _approve(store: CampaignStore, campaign_id: int, customer_ids: list[int] | None,
             sources: tuple[str, ...], actor: str) -> list[int]:
    return store.transition(campaign_id, customer_ids, "approved", sources, only_valid=True,
                            detail=f"approved by {actor}", actor=actor)


@dataclass
class ApprovalPlan:
    campaign_id: int
    emails: int
    confirmation_code: str
    expires_in_s: int


def _approvable(store: CampaignStore, campaign_id: int,
                customer_ids: list[int] | None) -> list[dict[str, Any]]:
    """The valid emails approving would move: every draft, or the listed customers' ones."""
    return [e for e in store.emails(campaign_id, statuses=_approve_from(customer_ids),
                                    customer_ids=customer_ids) if e["valid"]]


def request_approval(campaign_id: int, settings: Settings | None = None, *,
                     actor: str, customer_ids: list[int] | None = None) -> ApprovalPlan:
    """Step one of approving every valid draft (or the listed customers' emails): a code for
    exactly the emails approvable now."""
    settings = settings or get_settings()
    store = campaign_store(settings)
    campaign = resolve_campaign(campaign_id, store)
    emails = _approvable(store, campaign.id, customer_ids)
    if not emails:
        raise CampaignError("No valid drafts to approve." if customer_ids is None else
                            "Nothing to approve: that email failed the checks, or is already "
                            "approved, exported or sent.")
    code = store.issue_confirmation(campaign.id, "approve", emails,
                                    settings.campaign_confirmation_ttl_s, actor)
    return ApprovalPlan(campaign.id, len(emails), code, settings.campaign_confirmation_ttl_s)


def approve_confirmed(campaign_id: int, confirmation_code: str,
                      settings: Settings | None = None, *, actor: str,
                      customer_ids: list[int] | None = None) -> tuple[Campaign, list[int]]:
    """Step two: approve the emails ``confirmation_code`` covers — the same ``customer_ids``
    it was requested for — if none changed since."""
    store = campaign_store(settings)
    campaign = resolve_campaign(campaign_id, store)
    emails = _approvable(store, campaign.id, customer_ids)
    refusal = store.use_confirmation(campaign.id, "approve", confirmation_code, emails, actor)
    if refusal:
        raise CampaignError(refusal)
    moved = _approve(store, campaign.id, [e["customer_id"] for e in emails],
                     _approve_from(customer_ids), actor)
    return resolve_campaign(campaign.id, store), moved


def reject(campaign_id: int, customer_ids: list[int] | None = None, reason: str = "",
           settings: Settings | None = None, *, actor: str) -> tuple[Campaign, list[int]]:
    """Reject emails (the listed ones, or every draft and approved email) so they are never
    sent or exported."""
    store = campaign_store(settings)
    campaign = resolve_campaign(campaign_id, store)
    moved = store.transition(campaign.id, customer_ids, "rejected", REJECTABLE,
                             detail=reason or f"rejected by {actor}", actor=actor)
    return resolve_campaign(campaign.id, store), moved
