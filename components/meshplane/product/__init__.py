"""What a product is on Google Cloud, derived purely from its declaration: names, places, keys, needs, column security, descriptor."""
