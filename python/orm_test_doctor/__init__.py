"""ORM Test Doctor's pytest plugin: reports collection and results to the editor over a socket.

Loaded with ``-p orm_test_doctor.plugin``; inert unless ORM_TEST_DOCTOR_SOCKET is set.
The message format is defined in src/core/protocol.ts.
"""

PROTOCOL_VERSION = 1
SOCKET_ENV = "ORM_TEST_DOCTOR_SOCKET"
# "0" turns runtime provenance (provenance.py) off; anything else, or unset, leaves it on.
TRACE_ENV = "ORM_TEST_DOCTOR_TRACE"
