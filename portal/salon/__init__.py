"""The salon itself: locations, services, therapists and their hours."""
