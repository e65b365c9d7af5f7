"""The microblog services: one package per service, plus shared helpers in common."""
