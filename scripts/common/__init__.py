"""The little that is truly shared between papers."""
