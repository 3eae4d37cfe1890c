//! credgrid-app: the use cases of the lending institution, over the store.
