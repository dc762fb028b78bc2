# The original Lambda -> RDS handler, run by awslambdaric: a new pymysql
# connection per invocation, the SQL as text, column 1 of the last row.
# Only the settings differ: the original had them (password included) as
# constants in its source; here they come from the environment.
import logging
import os

import pymysql

rds_host = os.environ["RDS_HOSTNAME"]
rds_port = int(os.environ.get("RDS_PORT", "3306"))
name = os.environ["RDS_USERNAME"]
password = os.environ.get("RDS_PASSWORD", "")
db_name = os.environ["RDS_DB_NAME"]

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def lambda_handler(event, context):
    conn = pymysql.connect(host=rds_host, port=rds_port, user=name,
                           password=password, database=db_name, connect_timeout=5)
    result = None
    with conn.cursor() as cur:
        cur.execute("select * from test where name='jhc'")
        for row in cur:
            result = row[1]
    conn.close()
    return result
