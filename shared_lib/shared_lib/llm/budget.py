"""A per-org monthly LLM budget in Redis, safe under concurrency.

Before a call, the worst case (the prompt plus `max_tokens` of output at the model's
prices) is reserved atomically; it fails when the reservations and the spend so far would
pass the limit, so concurrent calls cannot together overspend. After the call the
reservation is replaced by the real cost. Amounts are integer micro-dollars, reservations
rounded up.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import ROUND_CEILING, Decimal

MICRO = Decimal("0.000001")
# KEYS: committed, limit override. ARGV: amount, default limit, ttl.
_RESERVE = """
local limit = tonumber(redis.call('GET', KEYS[2]) or ARGV[2])
local committed = tonumber(redis.call('GET', KEYS[1]) or '0')
if committed + tonumber(ARGV[1]) > limit then return -1 end
local now = redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return now
"""


class BudgetExhausted(RuntimeError):
    def __init__(self, org_id: str, limit_usd: Decimal, committed_usd: Decimal):
        super().__init__(f"the LLM budget of org {org_id} is spent: ${committed_usd} of ${limit_usd} this month")
        self.limit_usd = limit_usd
        self.committed_usd = committed_usd


@dataclasses.dataclass(frozen=True)
class Reservation:
    key: str
    micros: int


class Budget:
    def __init__(self, redis, default_limit_usd: Decimal, clock=lambda: dt.datetime.now(dt.timezone.utc)):
        self._redis = redis
        self._default = _micros(default_limit_usd)
        self._clock = clock

    def _keys(self, org_id: str) -> tuple[str, str]:
        return f"llm-budget:{org_id}:{self._clock():%Y-%m}", f"llm-budget-limit:{org_id}"

    def set_limit(self, org_id: str, limit_usd: Decimal) -> None:
        self._redis.set(self._keys(org_id)[1], _micros(limit_usd))

    def reserve(self, org_id: str, worst_case_usd: Decimal) -> Reservation:
        committed, limit = self._keys(org_id)
        amount = _micros(worst_case_usd)
        if int(self._redis.eval(_RESERVE, 2, committed, limit, amount, self._default, 40 * 86400)) < 0:
            raise BudgetExhausted(
                org_id,
                Decimal(int(self._redis.get(limit) or self._default)) * MICRO,
                Decimal(int(self._redis.get(committed) or 0)) * MICRO,
            )
        return Reservation(committed, amount)

    def settle(self, reservation: Reservation, actual_usd: Decimal) -> None:
        self._redis.incrby(reservation.key, _micros(actual_usd) - reservation.micros)

    def spent(self, org_id: str) -> Decimal:
        return Decimal(int(self._redis.get(self._keys(org_id)[0]) or 0)) * MICRO


def _micros(amount: Decimal) -> int:
    return int((amount / MICRO).to_integral_value(rounding=ROUND_CEILING))
