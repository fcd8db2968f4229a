"""``cloudwaste ask``: answers grounded in the local store, through Anthropic's Messages API.

- :mod:`cloudwaste.ai.context` turns a stored scan into a compact, deterministic text under a budget;
- :mod:`cloudwaste.ai.redact` replaces account ids, ARNs, GUIDs, tag values and user names by stable
  placeholders and maps them back in the answer (also while it streams);
- :mod:`cloudwaste.ai.prompt` holds the system prompt and wraps the data in a delimited block;
- :mod:`cloudwaste.ai.session` assembles the request, the ``--continue`` history and what is stored;
- :mod:`cloudwaste.ai.client` is the only module that imports the ``anthropic`` SDK (lazily) and maps
  its errors to one-line cloudwaste errors with distinct exit codes.

The model is given no tools: it can only write text.
"""
