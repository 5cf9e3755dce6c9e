from proofsheet.orders.tests.support import shop  # noqa: F401
