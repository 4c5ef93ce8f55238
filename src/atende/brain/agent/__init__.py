"""The LLM customer agent: the OpenAI-compatible client, request bounds and daily budget, the
prompt, the bounded tool loop, its tools and the proposals they leave for the customer to
confirm.
"""
