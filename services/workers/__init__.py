"""Workers that take jobs from the beanstalkd tubes: timeline, like, poll, email and account."""
