/** The flow format's port conventions, from the server's own definition of the format. */
export {
  DEFAULT_INPUT_PORT as DEFAULT_INPUT, DEFAULT_OUTPUT_PORT as DEFAULT_OUTPUT, ERROR_PORT, parsePortRef, type PortRef,
} from '../../server/core/flow-format';
