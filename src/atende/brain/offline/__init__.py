"""The offline brain: rule-based flows (booking, rescheduling, cancelling) that need no model
and never write without the customer's yes.
"""
