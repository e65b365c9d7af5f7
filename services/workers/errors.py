"""How a handler tells the worker loop what to do with a job that did not succeed."""


class MalformedJob(Exception):
    """The job body cannot be handled however often it is tried, so it is buried at once."""


class PassingFailure(Exception):
    """A dependency failed for now (a service, SMTP, beanstalkd), so the job is tried again."""
