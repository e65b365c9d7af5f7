"""Workers that take jobs from the beanstalkd tubes: timeline, like, poll and email."""
