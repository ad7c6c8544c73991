"""What a product publishes about itself: its descriptor and the terms a consumer reads."""
