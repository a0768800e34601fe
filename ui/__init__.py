"""The Gradio chat UI's building blocks; ``app.py`` assembles and serves them."""
