"""Safeguard Flow's workflow engine: loads, runs, persists and times the procedure.

Never imports Flask; the web app and the worker both drive it through `engine.executor`.
"""
