"""The kernel: what every feature needs and no feature owns.

It knows no feature: errors, identity (who acts where), time, the database, the migration runner,
request dispatch and the text grammar. Features import the kernel; the kernel imports no
feature (tests/test_architecture.py enforces it).
"""
