"""WSGI entry point of the DynamoDB emulator of the native stack: moto's server.

moto 5.2.5 builds its server app only inside `moto.server.main()`, which runs
Werkzeug's development server. This factory builds the same app for gunicorn.
Run it from the repository root:

    gunicorn -w 1 --threads 1 --no-control-socket -b 127.0.0.1:8000 \
        'infra.dynamodb.emulator:create_app()'

moto keeps every table in the memory of its process, so a second worker would
hold other tables. One thread must serve every request because moto's DynamoDB
backend does not lock the items it changes. Under the threaded development
server, 32 client threads sending 1,000 vote transactions and 1,000 counter
ADDs to one item got 500s (RuntimeError: dictionary changed size during
iteration), a vote count above the number of stored votes and a lost ADD. Under
one gunicorn thread the same run stayed consistent.
"""

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app


def create_app() -> DomainDispatcherApplication:
    """Build moto's server app, which routes each request to the AWS service it is signed for."""
    return DomainDispatcherApplication(create_backend_app)
