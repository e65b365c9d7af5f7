"""DynamoDB table definitions of the polls service, the step that creates them, and the
WSGI entry point of the emulator that the native stack runs."""
