"""Page views: one pure function per dashboard page, returning one frozen dataclass.

No streamlit here: every number a page shows is computed, tested and usable from a notebook.
"""
