"""What every brain reads and says in a customer conversation: the typed dialogue state, the
turn's context, intents, dates and times, pets, and the words it answers with.
"""
