"""Faces: the browser workbench (Gradio). Calls the session layer only."""
