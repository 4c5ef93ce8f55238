"""Understanding and answering: the offline intent engine (and later the LLM agent)."""
