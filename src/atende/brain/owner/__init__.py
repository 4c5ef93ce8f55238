"""The owner's assistant: figures, inactive clients, campaigns and the daily summary, offline
and with a model.
"""
