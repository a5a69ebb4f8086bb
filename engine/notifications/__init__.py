"""Telling people about deadlines: reminders before them, escalations after them.

- `recipients`: who is told (the item's assignee, else its role in the organisations
  involved in the case);
- `outbox`: notification rows, written in the transaction of the event that causes them,
  and each person's in-app list;
- `reminders`: when a deadline's reminder falls due;
- `sender`: delivers the outbox by SMTP with retries and back-off (run by the worker).
"""
