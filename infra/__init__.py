"""Infrastructure helpers: the DynamoDB tables step and the HAProxy templater."""
