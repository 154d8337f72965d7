// Open MPI (Debian: libopenmpi-dev). Only the AttractorMPI target imports this module.
// Open MPI spells its handles (MPI_COMM_WORLD, MPI_FLOAT, ...) as casts of the addresses of
// global objects, which Swift cannot import as constants: these inline functions return them.
#ifndef ATTRACTOR_CMPI_SHIM_H
#define ATTRACTOR_CMPI_SHIM_H
#if __has_include(<mpi.h>)
#include <mpi.h>      /* through pkg-config ompi-c (Package.swift) */
#else
#include <mpi/mpi.h>  /* Debian multiarch: /usr/include/<triplet>/mpi/mpi.h without pkg-config */
#endif

static inline MPI_Comm cmpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype cmpi_byte(void) { return MPI_BYTE; }
static inline MPI_Datatype cmpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype cmpi_int(void) { return MPI_INT; }
static inline MPI_Datatype cmpi_uint64(void) { return MPI_UINT64_T; }
static inline MPI_Errhandler cmpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline int cmpi_success(void) { return MPI_SUCCESS; }
static inline int cmpi_thread_funneled(void) { return MPI_THREAD_FUNNELED; }
static inline int cmpi_max_error_string(void) { return MPI_MAX_ERROR_STRING; }
static inline int cmpi_max_processor_name(void) { return MPI_MAX_PROCESSOR_NAME; }

#endif
