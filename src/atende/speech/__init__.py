"""Speech in and out for voice notes: transcribers (ASR) and speakers (TTS), chosen by
configuration; only the pipeline uses them.
"""
