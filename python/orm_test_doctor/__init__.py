"""ORM Test Doctor's pytest plugin: reports collection and results to the editor over a socket.

Loaded with ``-p orm_test_doctor.plugin``; inert unless ORM_TEST_DOCTOR_SOCKET is set.
The message format is defined in src/core/protocol.ts.
"""

PROTOCOL_VERSION = 1
SOCKET_ENV = "ORM_TEST_DOCTOR_SOCKET"
# A file the runner reads after a crash or while pytest is quiet: see spill.py.
SPILL_ENV = "ORM_TEST_DOCTOR_SPILL"
# "0" turns runtime provenance (provenance.py) off; anything else, or unset, leaves it on.
TRACE_ENV = "ORM_TEST_DOCTOR_TRACE"
