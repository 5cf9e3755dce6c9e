"""Signals orders send to the layers above them.

`cart` sits above `orders` and may not be imported from here, yet a cancelled order must give
back what checkout claimed in `cart` (the discount code's use). `order_transition` sends
`order_cancelled` inside the transaction that cancels the order, so whatever a receiver writes is
committed or rolled back with the cancellation. These are our own signals, sent by a service at
one moment of the state machine, not model signals: the rules stay in the services they call.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent with `order=` (the locked order, already CANCELLED). A receiver may return a short
# sentence for the order's log ("" or None when it had nothing to do).
order_cancelled = Signal()
