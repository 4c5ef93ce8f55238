"""The business's own documents: reading files into passages, BM25 and optional embeddings
retrieval.
"""
