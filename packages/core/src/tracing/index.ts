export { currentTraceContext, storedParentContext } from './trace-context.js';
export {
  inSpan,
  markRunSpan,
  recordSpan,
  taskAttributes,
  SPAN_ATTRIBUTES,
  TRACER_NAME,
  type SpanSpec,
} from './spans.js';
