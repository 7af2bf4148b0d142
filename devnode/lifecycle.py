"""The lifecycle on the node's clock, the payout and the reputation rules, as functions of a `State`.

`State` owns the records and the bookkeeping primitives (`_account`, `_emit`, `_set_meta`, `_set_status`);
this module decides what happens to a task's money and to reputations when a block expires or completes
it, or when a validation completes it early.

Decisions where the spec is silent (documented in docs/node-api.md):
- Registration fees, the 5 % share and slashes go to the network account, the all-zero key; each credit
  (also a slash's) is announced as `reward_distributed` (a slash's with `reward_type` "network" and
  `reason` "slash"). Faucet mints are not credits and emit no event.
- Validators' 15 % is split equally per validation and paid as one credit per validator; the rounding
  remainder goes back to the publisher.
- An expired task's participants are settled like non-submitters: 30 % of the stake slashed, -10
  reputation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from devnode import rules
from devnode.crypto import address_from_public_key
from devnode.models import Credit, Participation, Submission, Task

if TYPE_CHECKING:
    from devnode.state import State

NETWORK_ADDRESS = address_from_public_key(bytes(32))  # nobody holds its key: a sink, like a burn address


def credit(
    state: State, task: Task | None, recipient: str, amount: int, reward_type: str, **extra: Any
) -> None:
    """Pay `amount` to `recipient` and announce it as one `reward_distributed` event (nothing if 0)."""
    if amount <= 0:
        return
    account = state._account(recipient)
    account.balance += amount
    if reward_type in ("winner", "participant", "validator"):
        account.total_earnings += amount
        state._set_meta("total_rewards_distributed", int(state.meta["total_rewards_distributed"]) + amount)
    if task is not None:
        task.rewards.append(Credit(recipient, amount, reward_type))
    state._emit(
        "reward_distributed",
        {
            "task_id": task.task_id if task else None,
            "recipient": recipient,
            "amount": str(amount),
            "reward_type": reward_type,
            **extra,
        },
    )


def change_reputation(state: State, address: str, delta: int, reason: str, task: Task) -> None:
    """Move a reputation within 0-1000; an actual change is a `reputation_changed` event."""
    account = state._account(address)
    old = account.reputation
    new = min(rules.REPUTATION_MAX, max(rules.REPUTATION_MIN, old + delta))
    account.reputation = new
    if new != old:
        state._emit(
            "reputation_changed",
            {
                "address": address,
                "old": old,
                "new": new,
                "delta": new - old,
                "reason": reason,
                "task_id": task.task_id,
            },
        )


def run_block(state: State) -> None:
    """One block: the height grows and every deadline and validation window is checked."""
    state._set_meta("topoheight", state.topoheight + 1)
    now = state.now()
    for task_id in sorted(state.active_ids, key=lambda item: state.tasks[item].number):
        task = state.tasks[task_id]
        if task.status in rules.OPEN_STATUSES and now >= task.deadline:
            if task.submissions:
                state._set_status(task, rules.STATUS_UNDER_VALIDATION)
            else:
                expire_task(state, task)
                continue
        if task.status == rules.STATUS_UNDER_VALIDATION:
            all_validated = all(len(item.validations) >= task.required_reviewers for item in task.submissions)
            if all_validated or now >= task.deadline + state.config.validation_window:
                complete_task(state, task)


def expire_task(state: State, task: Task) -> None:
    """The deadline passed with no submission: refund the publisher, settle stakes as unsubmitted."""
    refund = task.escrow
    task.escrow = 0
    state._set_status(task, rules.STATUS_EXPIRED)
    credit(state, task, task.publisher, refund, "refund")
    for participation in task.participants:
        settle_stake(state, task, participation, keep=False)
        change_reputation(state, participation.miner, rules.REP_NO_SUBMISSION, "no_submission", task)
    state._emit("task_expired", {"task_id": task.task_id, "refunded": str(refund)})


def settle_stake(state: State, task: Task, participation: Participation, *, keep: bool) -> None:
    """Unlock a participation's stake: all of it back, or 30 % to the network account and the rest back."""
    stake = participation.stake_locked
    participation.stake_locked = 0
    account = state._account(participation.miner)
    account.current_stake -= stake
    returned = stake
    if not keep:
        slashed = stake * rules.SLASH_PERCENT // 100
        returned = stake - slashed
        participation.outcome = "slashed"
        state._emit(
            "stake_slashed",
            {
                "task_id": task.task_id,
                "miner": participation.miner,
                "amount": str(slashed),
                "stake_amount": str(stake),
            },
        )
        credit(state, task, NETWORK_ADDRESS, slashed, "network", reason="slash", miner=participation.miner)
    else:
        participation.outcome = "returned"
    credit(state, task, participation.miner, returned, "stake_return")


def complete_task(state: State, task: Task) -> None:
    """Score, pay and settle a task; every remainder goes back to the publisher."""
    now = state.now()
    for submission in task.submissions:
        scores = [validation.score for validation in submission.validations]
        submission.final_score = sum(scores) // len(scores) if scores else None
    passing = [
        submission
        for submission in task.submissions
        if submission.final_score is not None and submission.final_score >= task.quality_threshold
    ]
    winner: Submission | None = None
    for submission in passing:  # submissions are in arrival order, so `>` keeps the earlier on a tie
        if winner is None or (submission.final_score or 0) > (winner.final_score or 0):
            winner = submission
    pool = task.escrow
    task.escrow = 0
    winner_pool = pool * rules.WINNER_PERCENT // 100
    others_pool = pool * rules.OTHERS_PERCENT // 100
    validators_pool = pool * rules.VALIDATORS_PERCENT // 100
    network_pool = pool * rules.NETWORK_PERCENT // 100
    refund = pool - winner_pool - others_pool - validators_pool - network_pool

    if winner is not None:
        credit(state, task, winner.submitter, winner_pool, "winner", submission_id=winner.submission_id)
    else:
        refund += winner_pool

    others = [submission for submission in passing if submission is not winner]
    total_score = sum(submission.final_score or 0 for submission in others)
    if total_score > 0:
        paid = 0
        for submission in others:
            share = others_pool * (submission.final_score or 0) // total_score
            paid += share
            credit(
                state,
                task,
                submission.submitter,
                share,
                "participant",
                submission_id=submission.submission_id,
            )
        refund += others_pool - paid
    else:
        refund += others_pool

    validations = [validation for submission in task.submissions for validation in submission.validations]
    if validations:
        per_validation = validators_pool // len(validations)
        per_validator: dict[str, int] = {}
        for validation in validations:
            per_validator[validation.validator] = per_validator.get(validation.validator, 0) + per_validation
        for validator, amount in per_validator.items():
            credit(state, task, validator, amount, "validator")
        refund += validators_pool - per_validation * len(validations)
    else:
        refund += validators_pool

    credit(state, task, NETWORK_ADDRESS, network_pool, "network")
    credit(state, task, task.publisher, refund, "refund")

    by_id = {submission.submission_id: submission for submission in task.submissions}
    for participation in task.participants:
        entry = by_id.get(participation.submission_id or "")
        if entry is None:
            settle_stake(state, task, participation, keep=False)
            change_reputation(state, participation.miner, rules.REP_NO_SUBMISSION, "no_submission", task)
            continue
        submission = entry
        score = submission.final_score
        settle_stake(state, task, participation, keep=score is None or score >= rules.STAKE_KEEP_SCORE)
        if score is None:
            continue
        if submission is winner:
            state._account(submission.submitter).wins += 1
            change_reputation(state, submission.submitter, rules.REP_WINNER, "winner", task)
        elif score >= task.quality_threshold:
            change_reputation(state, submission.submitter, rules.REP_PASSING, "passing_submission", task)
        else:
            change_reputation(state, submission.submitter, rules.REP_FAILING, "failing_submission", task)
    for submission in task.submissions:
        if submission.final_score is None:
            continue
        for validation in submission.validations:
            close = abs(validation.score - submission.final_score) <= rules.VALIDATOR_CLOSE_POINTS
            delta = rules.REP_VALIDATOR_CLOSE if close else rules.REP_VALIDATOR_FAR
            change_reputation(state, validation.validator, delta, "validation_accuracy", task)
    change_reputation(state, task.publisher, rules.REP_PUBLISHER_COMPLETED, "task_completed", task)

    task.completed_at = now
    state._set_meta("completed_tasks", int(state.meta["completed_tasks"]) + 1)
    state._set_meta("completion_time_sum", int(state.meta["completion_time_sum"]) + now - task.created_at)
    state._set_status(task, rules.STATUS_COMPLETED)
    state._emit(
        "task_completed",
        {
            "task_id": task.task_id,
            "winner": winner.submitter if winner else None,
            "winning_submission_id": winner.submission_id if winner else None,
            "final_scores": {item.submission_id: item.final_score for item in task.submissions},
            "rewards": [entry.to_api() for entry in task.rewards],
        },
    )


def complete_if_done(state: State, task: Task) -> None:
    """After a validation: complete at once if every submission is fully validated and either the task
    is UnderValidation or every place is taken and every participant has submitted.
    """
    all_validated = all(len(item.validations) >= task.required_reviewers for item in task.submissions)
    everyone_done = len(task.participants) >= task.max_participants and all(
        participation.submission_id is not None for participation in task.participants
    )
    if all_validated and (task.status == rules.STATUS_UNDER_VALIDATION or everyone_done):
        complete_task(state, task)
