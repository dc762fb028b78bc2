# The original hello-world handler, run by awslambdaric.
def lambda_handler(event, context):
    return "Hello World!!"
