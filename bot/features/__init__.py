"""One folder per feature: its requests, results, service and SQL (``store``).

Lower features never import higher ones: answers ← quiz ← daily ← boards ← groups
(tests/test_architecture.py keeps that order).
"""
