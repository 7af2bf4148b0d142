"""Random sequences of actions keep every atomic unit accounted for (hypothesis, stateful)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from devnode.errors import RpcError
from devnode.rules import FAUCET_CAP, MAX_SUPPLY, REPUTATION_MAX, REPUTATION_MIN, U64_MAX
from tests.devnode.conftest import make_harness

ACCOUNTS = st.integers(0, 9)
PICK = st.integers(0, 10**6)


class Devnet(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.harness = make_harness(rate_limits=None)
        self.tasks: list[str] = []
        self.submissions: list[tuple[str, str]] = []
        self.steps = 0

    def attempt(self, method: str, params: dict[str, Any]) -> Any:
        """Call the node; a rejection must leave the state exactly as it was."""
        node = self.harness.node
        before = node.state.digest()
        try:
            return node.call(method, params)
        except RpcError:
            assert node.state.digest() == before
            return None

    @initialize(reviewers=st.integers(1, 2))
    def a_few_busy_tasks(self, reviewers: int) -> None:
        """Start with tasks that have participants, so runs reach submissions and payouts quickly."""
        for publisher in range(3):
            self.publish(publisher, 10**10, reviewers, 3)
            for offset in (1, 2):
                self.participate(len(self.tasks) - 1, (publisher + offset * 3) % 10, 1 + offset)

    def pick_task(self, pick: int) -> str:
        return self.tasks[pick % len(self.tasks)] if self.tasks else "ab" * 32

    @rule(
        sender=ACCOUNTS,
        reward=st.integers(4 * 10**9, 16 * 10**9),
        reviewers=st.integers(1, 3),
        places=st.integers(1, 4),
    )
    def publish(self, sender: int, reward: int, reviewers: int, places: int) -> None:
        result = self.attempt(
            "ai_publish_task",
            {
                "task_data": {
                    "task_type": "CodeAnalysis",
                    "reward_amount": reward,
                    "max_participants": places,
                    "verification_type": {"PeerReview": {"required_reviewers": reviewers}},
                },
                "from": self.harness.dev[sender],
            },
        )
        if result is not None:
            self.tasks.append(result["task_id"])

    @rule(pick=PICK, sender=ACCOUNTS, tenths=st.integers(0, 6))
    def participate(self, pick: int, sender: int, tenths: int) -> None:
        task_id = self.pick_task(pick)
        task = self.harness.node.state.tasks.get(task_id)
        stake = task.reward_amount * tenths // 10 if task else 10**9
        self.attempt(
            "ai_participate_task",
            {"task_id": task_id, "stake_amount": stake, "from": self.harness.dev[sender]},
        )

    @rule(pick=PICK, who=PICK, content=st.sampled_from(["short", "a solution long enough", "é" * 5, "ü" * 4]))
    def submit(self, pick: int, who: int, content: str) -> None:
        task_id = self.pick_task(pick)
        task = self.harness.node.state.tasks.get(task_id)
        # Mostly a participant of the task, so submissions actually happen; sometimes anyone.
        if task and task.participants and who % 4:
            sender = task.participants[who % len(task.participants)].miner
        else:
            sender = self.harness.dev[who % 10]
        result = self.attempt(
            "ai_submit_solution", {"task_id": task_id, "solution_data": {"content": content}, "from": sender}
        )
        if result is not None:
            self.submissions.append((task_id, result["submission_id"]))

    @rule(pick=PICK, sender=ACCOUNTS, score=st.integers(-5, 105), reject=st.booleans())
    def validate(self, pick: int, sender: int, score: int, reject: bool) -> None:
        if not self.submissions:
            return
        task_id, submission_id = self.submissions[pick % len(self.submissions)]
        verdict = {"Reject": {"reason": "no"}} if reject else {"Approve": {"quality_score": score}}
        self.attempt(
            "ai_validate_submission",
            {
                "task_id": task_id,
                "submission_id": submission_id,
                "validation_result": verdict,
                "from": self.harness.dev[sender],
            },
        )

    @rule(pick=PICK, sender=ACCOUNTS)
    def cancel(self, pick: int, sender: int) -> None:
        self.attempt("ai_cancel_task", {"task_id": self.pick_task(pick), "from": self.harness.dev[sender]})

    @rule(seconds=st.sampled_from([1, 600, 3600, 86400, 2 * 86400]))
    def time_passes(self, seconds: int) -> None:
        self.attempt("dev_increase_time", {"seconds": seconds})
        self.attempt("dev_mine", {})

    # Small mints, mints that reach the faucet's cap within a run, and amounts past the maximum supply.
    @rule(
        sender=ACCOUNTS,
        amount=st.one_of(
            st.integers(1, 10**12),
            st.integers(FAUCET_CAP // 4, FAUCET_CAP + 1),
            st.integers(MAX_SUPPLY - 1, U64_MAX + 1),
        ),
    )
    def faucet(self, sender: int, amount: int) -> None:
        self.attempt("dev_faucet", {"address": self.harness.dev[sender], "amount": amount})

    @rule(sender=ACCOUNTS, fee=st.one_of(st.integers(0, 10**13), st.integers(MAX_SUPPLY - 1, U64_MAX + 1)))
    def register(self, sender: int, fee: int) -> None:
        self.attempt(
            "ai_register_miner",
            {"miner_config": {"registration_fee": str(fee)}, "from": self.harness.dev[sender]},
        )

    @invariant()
    def every_atomic_unit_is_accounted_for(self) -> None:
        state = self.harness.node.state
        assert state.total_supply() == state.expected_supply() <= MAX_SUPPLY
        assert int(state.meta["minted"]) <= FAUCET_CAP
        assert all(0 <= account.balance <= MAX_SUPPLY for account in state.accounts.values())
        assert all(
            REPUTATION_MIN <= account.reputation <= REPUTATION_MAX for account in state.accounts.values()
        )
        for task in state.tasks.values():
            assert task.escrow >= 0
            if task.status in ("Completed", "Expired", "Cancelled"):
                assert task.escrow == 0
                assert task.locked_stake == 0
        staked = sum(task.locked_stake for task in state.tasks.values())
        assert staked == sum(account.current_stake for account in state.accounts.values())

    @invariant()
    def the_store_holds_what_memory_holds(self) -> None:
        self.steps += 1
        if self.steps % 10:
            return
        node = self.harness.node
        digest = node.state.digest()
        meta, accounts, tasks = node.store.load()
        node.state.load(meta, accounts, tasks)
        assert node.state.digest() == digest

    def teardown(self) -> None:
        self.harness.node.close()


Devnet.TestCase.settings = settings(
    max_examples=150, stateful_step_count=50, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestDevnetInvariants = Devnet.TestCase
